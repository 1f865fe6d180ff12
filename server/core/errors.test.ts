import { describe, expect, it, vi } from "vitest";

describe("DomainError", () => {
  it("is recognised by its brand when it was thrown by another copy of the module (two Next.js bundles)", async () => {
    const first = await import("./errors");
    vi.resetModules();
    const second = await import("./errors");
    expect(second.DomainError).not.toBe(first.DomainError);

    const refusal = new first.DomainError("NOT_FOUND", "No user has the id usr_x.");
    expect(refusal instanceof second.DomainError).toBe(false);
    expect(second.isDomainError(refusal)).toBe(true);
    expect(refusal.code).toBe("NOT_FOUND");
  });

  it("does not take a plain error, or an object that only looks like one, for a refusal", async () => {
    const { isDomainError } = await import("./errors");
    expect(isDomainError(new Error("boom"))).toBe(false);
    expect(isDomainError({ code: "NOT_FOUND", message: "x" })).toBe(false);
    expect(isDomainError(Object.assign(new Error("x"), { code: "NOT_FOUND" }))).toBe(false);
    expect(isDomainError(null)).toBe(false);
  });
});
