/**
 * The sign-in limit and the origin check over real HTTP: a node:http server with the console's trust boundary
 * (scripts/peer-address.mjs) in front of better-auth on a temporary database, as in production.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signInAccountBackoff, signInAddressWindow } from "@/db/schema";
import { createTestDatabase, type TestDatabase } from "@/db/test-database";
import { systemActor } from "@/server/core/audit";
import { ManualClock } from "@/server/core/clock";
import { parseConfig } from "@/server/core/config";
import { SqliteSignInAttemptStore } from "./adapters/sqlite-sign-in-attempts";
import { createAuth } from "./auth";
import { createSignInGuard } from "./sign-in-guard";
import { SignInLimiter } from "./sign-in-limit";
import { serveFetch, type ServedFetch } from "./testing/serve-fetch";
import { UserDirectory } from "./users";

const PASSWORD = "casey-long-password";
let database: TestDatabase;
let clock: ManualClock;
const servers: ServedFetch[] = [];

beforeAll(async () => {
  database = createTestDatabase();
  clock = new ManualClock(Date.UTC(2026, 10, 22, 14, 0, 0));
  await new UserDirectory(database.db, clock).create(
    { email: "casey@example.com", name: "Casey", role: "responder", password: PASSWORD },
    systemActor("test"),
  );
});
afterAll(() => database.close());
beforeEach(() => {
  database.db.delete(signInAddressWindow).run();
  database.db.delete(signInAccountBackoff).run();
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** The console's auth endpoint over HTTP with these settings (as server/jobs/runtime.ts wires it). */
async function consoleServer(env: Record<string, string> = {}, limit = 3): Promise<ServedFetch> {
  const config = parseConfig({ WATCHPOST_SIGN_IN_RATE_LIMIT: String(limit), ...env });
  const auth = createAuth({
    db: database.db,
    secret: "a-test-secret-that-is-long-enough-0123",
    baseUrl: config.WATCHPOST_BASE_URL,
    port: config.PORT,
  });
  const guard = createSignInGuard({
    limiter: new SignInLimiter({
      store: new SqliteSignInAttemptStore(database.db),
      clock,
      attemptsPerAddressPerMinute: config.WATCHPOST_SIGN_IN_RATE_LIMIT,
    }),
    trustedProxies: config.WATCHPOST_TRUSTED_PROXIES,
    baseUrl: config.WATCHPOST_BASE_URL,
  });
  const served = await serveFetch((request) => guard(request, auth.handler));
  servers.push(served);
  return served;
}

function signIn(
  url: string,
  body: { email: string; password: string },
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${url}/api/auth/sign-in/email`, {
    method: "POST",
    // Node's fetch sends Sec-Fetch-Mode, so better-auth checks the origin as it would a browser's.
    headers: { "content-type": "application/json", origin: "http://localhost:3000", ...headers },
    body: JSON.stringify(body),
  });
}

let guess = 0;
/** A wrong guess for a new e-mail each time, so that only the address limit can refuse it. */
const wrongGuess = () => ({ email: `someone-${++guess}@example.com`, password: "not-the-password" });
const randomAddress = () => `203.0.${Math.floor(Math.random() * 250)}.${Math.floor(Math.random() * 250)}`;

describe("the sign-in limit over HTTP", () => {
  it("answers 429 after the limit to a client that forges a new X-Forwarded-For and peer header on each attempt", async () => {
    const { url } = await consoleServer({}, 3);
    const statuses: number[] = [];
    let refused: Response | undefined;
    for (let attempt = 1; attempt <= 5; attempt++) {
      const response = await signIn(url, wrongGuess(), {
        "x-forwarded-for": randomAddress(),
        "x-real-ip": randomAddress(),
        "x-watchpost-peer-address": randomAddress(),
      });
      statuses.push(response.status);
      if (response.status === 429) refused ??= response;
    }
    expect(statuses).toEqual([401, 401, 401, 429, 429]);
    expect(refused!.headers.get("retry-after")).toBe("60");
    expect(await refused!.json()).toMatchObject({
      code: "TOO_MANY_SIGN_IN_ATTEMPTS",
      retryAfterSeconds: 60,
      message:
        "Too many sign-in attempts from your address (3 a minute are allowed). Try again in 60 seconds, at 14:01:00 UTC.",
    });
    // The right password is refused too while the limit holds, and admitted once the minute is over.
    expect((await signIn(url, { email: "casey@example.com", password: PASSWORD })).status).toBe(429);
    await clock.advance(60_000);
    expect((await signIn(url, { email: "casey@example.com", password: PASSWORD })).status).toBe(200);
  });

  it("counts the forwarded addresses separately when the peer is a trusted proxy, right-most untrusted hop first", async () => {
    const { url } = await consoleServer({ WATCHPOST_TRUSTED_PROXIES: "127.0.0.1, ::1" }, 2);
    const from = async (forwardedFor: string) =>
      (await signIn(url, wrongGuess(), { "x-forwarded-for": forwardedFor })).status;
    expect([await from("198.51.100.1"), await from("198.51.100.1")]).toEqual([401, 401]);
    expect([await from("198.51.100.2"), await from("198.51.100.2")]).toEqual([401, 401]);
    expect(await from("198.51.100.1")).toBe(429);
    // What the client wrote to the left of the hop our proxy appended changes nothing.
    expect([await from(`${randomAddress()}, 198.51.100.3`), await from(`${randomAddress()}, 198.51.100.3`)]).toEqual([
      401, 401,
    ]);
    expect(await from(`${randomAddress()}, 198.51.100.3`)).toBe(429);
  });

  it("slows guesses at one account spread over many addresses, and a success resets it", async () => {
    const { url } = await consoleServer({ WATCHPOST_TRUSTED_PROXIES: "127.0.0.1" }, 100);
    const guessAt = async (password: string) =>
      signIn(url, { email: "CASEY@example.com", password }, { "x-forwarded-for": randomAddress() });
    for (let attempt = 1; attempt <= 5; attempt++) expect((await guessAt("wrong-password-1")).status).toBe(401);
    const refused = await guessAt(PASSWORD);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("2");
    expect((await refused.json()).code).toBe("TOO_MANY_FAILED_SIGN_INS");
    await clock.advance(2_000);
    expect((await guessAt("wrong-password-1")).status).toBe(401);
    expect((await guessAt(PASSWORD)).headers.get("retry-after")).toBe("4");
    await clock.advance(4_000);
    expect((await guessAt(PASSWORD)).status).toBe(200);
    for (let attempt = 1; attempt <= 5; attempt++) expect((await guessAt("wrong-password-1")).status).toBe(401);
  });
});

describe("sign-in origins", () => {
  it("trusts localhost, 127.0.0.1 and [::1] on the console's port by default", async () => {
    const { url } = await consoleServer({ PORT: "4321" }, 100);
    for (const origin of ["http://localhost:4321", "http://127.0.0.1:4321", "http://[::1]:4321"]) {
      const response = await signIn(url, { email: "casey@example.com", password: PASSWORD }, { origin });
      expect(response.status, origin).toBe(200);
    }
  });

  it("says which address WATCHPOST_BASE_URL holds and how to change it when the origin differs", async () => {
    const { url } = await consoleServer({ PORT: "4321", WATCHPOST_BASE_URL: "https://watch.example.com" }, 100);
    const response = await signIn(
      url,
      { email: "casey@example.com", password: PASSWORD },
      { origin: "http://192.168.1.20:4321" },
    );
    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({
      code: "INVALID_ORIGIN",
      message:
        "This page was opened at http://192.168.1.20:4321, but the console's address is https://watch.example.com (WATCHPOST_BASE_URL). Open https://watch.example.com/sign-in instead, or set WATCHPOST_BASE_URL=http://192.168.1.20:4321 and restart the console.",
    });
    // A refused origin never reached the password check: it costs the account nothing.
    expect(database.db.select().from(signInAccountBackoff).all()).toEqual([
      expect.objectContaining({ email: "casey@example.com", attempts: 0 }),
    ]);
  });
});

describe("two console processes on one database", () => {
  const children: ChildProcess[] = [];
  let directory: string;
  beforeAll(() => {
    directory = mkdtempSync(path.join(tmpdir(), "watchpost-sign-in-"));
  });
  afterAll(() => {
    for (const child of children) child.kill("SIGKILL");
    rmSync(directory, { recursive: true, force: true });
  });

  function startProcess(filePath: string): Promise<string> {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "server/auth/testing/sign-in-server.fixture.ts", filePath, "4"],
      { cwd: process.cwd(), stdio: ["ignore", "pipe", "inherit"], env: { ...process.env, LOG_LEVEL: "silent" } },
    );
    children.push(child);
    return new Promise((resolve, reject) => {
      child.once("exit", (code) => reject(new Error(`the sign-in fixture exited with ${code}`)));
      createInterface({ input: child.stdout! }).on("line", (line) => {
        if (line.startsWith("listening ")) resolve(line.slice("listening ".length));
      });
    });
  }

  it("share one count: forged headers spread over both get 429 after the limit", async () => {
    const filePath = path.join(directory, "shared.db");
    const first = await startProcess(filePath);
    const second = await startProcess(filePath);
    const statuses: number[] = [];
    for (let attempt = 0; attempt < 6; attempt++) {
      const url = attempt % 2 === 0 ? first : second;
      statuses.push((await signIn(url, wrongGuess(), { "x-forwarded-for": randomAddress() })).status);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
  }, 60_000);
});
