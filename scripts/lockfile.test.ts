import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

type LockEntry = { optionalDependencies?: Record<string, string> };

describe("package-lock.json", () => {
  it("lists every optional platform package, so that npm ci accepts it (scripts/complete-lockfile.mjs)", () => {
    const lock = JSON.parse(readFileSync(path.join(__dirname, "..", "package-lock.json"), "utf8")) as {
      packages: Record<string, LockEntry>;
    };
    const missing: string[] = [];
    for (const [entryPath, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        const base = entryPath.includes("node_modules/")
          ? entryPath.slice(0, entryPath.lastIndexOf("node_modules/"))
          : "";
        const found = [`${entryPath}/node_modules/${name}`, `${base}node_modules/${name}`, `node_modules/${name}`].some(
          (candidate) => lock.packages[candidate],
        );
        if (!found) missing.push(`${name} (wanted by ${entryPath || "the project"})`);
      }
    }
    expect(missing, "run `node scripts/complete-lockfile.mjs` after npm install").toEqual([]);
  });
});
