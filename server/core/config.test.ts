import { describe, expect, it } from "vitest";
import { ConfigError, parseConfig } from "./config";

describe("parseConfig", () => {
  it("gives every variable its documented default", () => {
    const config = parseConfig({});
    expect(config.DATABASE_PATH).toBe("data/watchpost.db");
    expect(config.PORT).toBe(3000);
    expect(config.WATCHPOST_DEMO).toBe(true);
    expect(config.WATCHPOST_ENGINES).toEqual(["all"]);
    expect(config.NATS_URL).toBeUndefined();
  });

  it("stops with a message naming the variable and what it expects", () => {
    expect(() => parseConfig({ PORT: "eighty" })).toThrow(ConfigError);
    try {
      parseConfig({ PORT: "eighty", NATS_URL: "not a url", WATCHPOST_DEMO: "maybe" });
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT: expected a port number (got "eighty")');
      expect(message).toContain("NATS_URL: expected a URL");
      expect(message).toContain("WATCHPOST_DEMO: expected true or false");
    }
  });

  it("never repeats a secret's value in its error", () => {
    try {
      parseConfig({ WATCHPOST_ADMIN_PASSWORD: "short" });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain("WATCHPOST_ADMIN_PASSWORD: expected at least 12 characters");
      expect((error as Error).message).not.toContain('short"');
    }
  });

  it("treats empty strings as unset", () => {
    expect(parseConfig({ NATS_URL: "" }).NATS_URL).toBeUndefined();
  });
});
