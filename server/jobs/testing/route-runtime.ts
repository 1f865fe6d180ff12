/**
 * Test support for the HTTP routes (used only by tests): a runtime on a fresh temporary database, installed as
 * this process's runtime, so that a route's exported handler (`POST(request)`) runs as it does in the server.
 * Demo seed on (services with integration keys), engines off unless asked, a ManualClock.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { closeDatabases } from "@/db/client";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { createCaller } from "@/server/trpc/root";
import { createRuntime, type Runtime } from "../runtime";

export type RouteRuntime = {
  runtime: Runtime;
  directory: string;
  databasePath: string;
  /** An integration key of a demo service, for ingest requests. */
  integrationKey: () => Promise<string>;
  close: () => void;
};

const globalForRuntime = globalThis as unknown as { watchpostRuntime?: Runtime };

export async function startRouteRuntime(env: Record<string, string> = {}): Promise<RouteRuntime> {
  const directory = mkdtempSync(path.join(tmpdir(), "watchpost-routes-"));
  const databasePath = path.join(directory, "test.db");
  const config = parseConfig({
    DATABASE_PATH: databasePath,
    WATCHPOST_DEMO: "true",
    WATCHPOST_ADMIN_PASSWORD: "first-admin-password",
    WATCHPOST_ENGINES: "none",
    WATCHPOST_BASE_URL: "http://console.example.com",
    PORT: "3000",
    ...env,
  });
  const runtime = createRuntime(config, { clock: new ManualClock(Date.UTC(2026, 10, 22)) });
  await runtime.ready;
  globalForRuntime.watchpostRuntime = runtime;
  return {
    runtime,
    directory,
    databasePath,
    integrationKey: async () => {
      const admin = { id: "usr_route_admin", email: "admin@example.com", name: "Admin", role: "admin" as const };
      const services = await createCaller({ user: admin, consoles: runtime.consoles }).pager.service.list({
        page: 1,
        pageSize: 10,
      });
      return services.items[0]!.integrationKey!;
    },
    close: () => {
      if (globalForRuntime.watchpostRuntime === runtime) delete globalForRuntime.watchpostRuntime;
      closeDatabases();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
