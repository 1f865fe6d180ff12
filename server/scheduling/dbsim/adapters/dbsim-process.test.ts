/** The database server in its own process: started with the options it was given, stopped on request. */
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { freePort } from "@/server/core/free-port";
import { createLogger } from "@/server/core/logger";
import { startDbsimProcess } from "./dbsim-process";

describe("the database server's process", () => {
  it("runs with the options it was started with (the heavier presets' arrival scale) and stops", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "watchpost-dbsim-process-"));
    try {
      const dbsim = await startDbsimProcess({
        entry: path.join(process.cwd(), "server", "jobs", "dbsim.ts"),
        cwd: process.cwd(),
        port: await freePort(),
        seed: 3,
        logFile: path.join(directory, "events.db"),
        args: ["--arrival-scale", "4"],
        logger: createLogger("dbsim-process-test"),
      });
      try {
        expect(dbsim.parameters).toMatchObject({ arrivalScale: 4, seed: 3 });
        const status = (await (await fetch(`${dbsim.url}/status`)).json()) as { parameters: { arrivalScale: number } };
        expect(status.parameters.arrivalScale).toBe(4);
      } finally {
        await dbsim.stop();
      }
      await expect(fetch(`${dbsim.url}/status`)).rejects.toThrow();
    } finally {
      rmSync(directory, { recursive: true, force: true });
    }
  }, 30_000);
});
