/**
 * Test fixture: one console process's sign-in endpoint over HTTP, on the SQLite file named on the command line
 * (its own runtime, so nothing is shared with another such process but that file). Prints "listening <url>".
 * Usage: node --import tsx server/auth/testing/sign-in-server.fixture.ts <file> <attempts per minute>
 */
import { parseConfig } from "@/server/core/config";
import { createRuntime } from "@/server/jobs/runtime";
import { serveFetch } from "./serve-fetch";

const [filePath, limit] = process.argv.slice(2);
if (!filePath || !limit) throw new Error("usage: sign-in-server.fixture.ts <database file> <attempts per minute>");
const runtime = createRuntime(
  parseConfig({
    DATABASE_PATH: filePath,
    WATCHPOST_DEMO: "false",
    WATCHPOST_ENGINES: "none",
    WATCHPOST_ADMIN_PASSWORD: "fixture-admin-password",
    WATCHPOST_SIGN_IN_RATE_LIMIT: limit,
    LOG_LEVEL: "silent",
  }),
);
void (async () => {
  await runtime.ready;
  const served = await serveFetch((request) => runtime.consoles.auth.handle(request));
  console.log(`listening ${served.url}`);
})();
