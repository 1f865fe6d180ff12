import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "./client";

const directory = mkdtempSync(path.join(tmpdir(), "watchpost-migrate-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

type Child = { loaded: Promise<void>; go: () => void; done: Promise<{ code: number | null; output: string }> };

/** A process that will open (and so migrate) the file when told, as a web console and a worker would. */
function childOpening(filePath: string): Child {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(__dirname, "open-database.fixture.ts"), filePath],
    { cwd: path.resolve(__dirname, "..") },
  );
  let output = "";
  let markLoaded: () => void = () => {};
  const loaded = new Promise<void>((resolve) => (markLoaded = resolve));
  child.stdout.on("data", (chunk: Buffer) => {
    output += chunk.toString();
    if (output.includes("loaded")) markLoaded();
  });
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const done = new Promise<{ code: number | null; output: string }>((resolve) =>
    child.on("exit", (code) => resolve({ code, output })),
  );
  return { loaded, go: () => child.stdin.write("go\n"), done };
}

describe("openDatabase", () => {
  it("opens in WAL mode with foreign keys and a busy timeout", () => {
    const db = openDatabase(path.join(directory, "pragmas.db"));
    expect(db.$client.pragma("journal_mode", { simple: true })).toBe("wal");
    expect(db.$client.pragma("foreign_keys", { simple: true })).toBe(1);
    expect(db.$client.pragma("busy_timeout", { simple: true })).toBe(5000);
    db.$client.close();
  });

  it("migrates one new file from several processes starting at the same moment", async () => {
    const filePath = path.join(directory, "shared.db");
    const children = Array.from({ length: 6 }, () => childOpening(filePath));
    await Promise.all(children.map((child) => child.loaded));
    for (const child of children) child.go();
    const results = await Promise.all(children.map((child) => child.done));
    for (const result of results) expect(result, result.output).toMatchObject({ code: 0 });
    const db = openDatabase(filePath);
    const tables = db.$client
      .prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'user'")
      .get() as { n: number };
    expect(tables.n).toBe(1);
    db.$client.close();
  }, 60_000);
});
