/**
 * Fuzz of the two HTTP surfaces that take bodies from outside: the pager's ingest route and the tRPC handler.
 * A seeded generator (replays exactly; change FUZZ_SEED to explore) sends random JSON shapes, valid events with
 * a field replaced or dropped, wrong types, huge strings, bad unicode (lone surrogates, invalid UTF-8 bytes, NUL),
 * not-JSON, wrong content types and deep nesting. Every answer must be below 500, with a JSON body, and no call
 * may throw. The handlers are the routes' exported functions, on a runtime over a temporary database.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SeededRandom } from "@/server/core/random";
import { DEMO_USERS } from "@/server/jobs/demo-ids";
import { startRouteRuntime, type RouteRuntime } from "@/server/jobs/testing/route-runtime";
import { appRouter } from "@/server/trpc/root";
import { POST as ingest } from "../v1/pager/events/route";
import { GET as trpcGet, POST as trpcPost } from "../trpc/[trpc]/route";

const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const CASES = 240;
const BASE = "http://console.example.com";

let routes: RouteRuntime;
let key: string;
let cookie: string;

beforeAll(async () => {
  routes = await startRouteRuntime();
  key = await routes.integrationKey();
  // Signed in as the demo admin, so that inputs get past the role checks and reach every input parser.
  const signIn = await routes.runtime.consoles.auth.handle(
    new Request(`${BASE}/api/auth/sign-in/email`, {
      method: "POST",
      headers: { "content-type": "application/json", origin: BASE },
      body: JSON.stringify({ email: DEMO_USERS.admin.email, password: DEMO_USERS.admin.password }),
    }),
  );
  expect(signIn.status, await signIn.clone().text()).toBe(200);
  cookie = signIn.headers
    .getSetCookie()
    .map((line) => line.split(";", 1)[0])
    .join("; ");
});

afterAll(() => routes.close());

class Generator {
  constructor(readonly random: SeededRandom) {}
  chance(probability: number): boolean {
    return this.random.next() < probability;
  }
  int(min: number, max: number): number {
    return this.random.integer(min, max);
  }
  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
  string(): string {
    switch (this.int(0, 7)) {
      case 0:
        return "";
      case 1:
        return " ".repeat(this.int(1, 5));
      case 2:
        return "x".repeat(this.pick([300, 1025, 70_000, 300_000]));
      case 3:
        // Lone surrogates and a reversed pair: not well-formed UTF-16.
        return `a\ud800b\udfff${"\udc00\ud800"}`;
      case 4:
        return "\u0000\u202e\ufeff😀 \u0301";
      case 5:
        return this.pick(["trigger", "acknowledge", "resolve", "firing", "resolved", "critical", "4"]);
      case 6:
        return this.pick(["__proto__", "constructor", "toString", "../../etc/passwd", "'; DROP TABLE incident; --"]);
      default:
        return Array.from({ length: this.int(1, 20) }, () => String.fromCharCode(this.int(32, 0x2fff))).join("");
    }
  }
  value(depth = 0): unknown {
    const kind = this.int(0, depth > 3 ? 3 : 6);
    switch (kind) {
      case 0:
        return null;
      case 1:
        return this.chance(0.5);
      case 2:
        return this.pick([0, -0, 1, -1, 1.5, 1e308, -1e308, 2 ** 53 + 1, Number.MAX_SAFE_INTEGER, 255, 256]);
      case 3:
        return this.string();
      case 4:
        return Array.from({ length: this.int(0, 4) }, () => this.value(depth + 1));
      default: {
        const object: Record<string, unknown> = {};
        for (let index = this.int(0, 5); index > 0; index--) object[this.string().slice(0, 40)] = this.value(depth + 1);
        return object;
      }
    }
  }
  /** A valid-looking object with one field replaced by a random value or dropped. */
  mutate(valid: Record<string, unknown>): Record<string, unknown> {
    const copy: Record<string, unknown> = structuredClone(valid);
    const fields = Object.keys(copy);
    for (let changes = this.int(1, 3); changes > 0; changes--) {
      const field = this.pick(fields);
      if (this.chance(0.3)) delete copy[field];
      else copy[field] = this.value(1);
    }
    return copy;
  }
  deep(): string {
    const depth = this.pick([100, 1_000, 10_000, 100_000]);
    return this.chance(0.5) ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "1" + "}".repeat(depth);
  }
  bytes(): Uint8Array {
    return Uint8Array.from({ length: this.int(1, 64) }, () => this.int(0, 255));
  }
  contentType(): string | null {
    return this.chance(0.8)
      ? "application/json"
      : this.pick([
          null,
          "text/plain",
          "application/x-www-form-urlencoded",
          "application/json; charset=latin1",
          "application/problem+json",
          "multipart/form-data",
          "application/octet-stream",
          "garbage",
        ]);
  }
}

type Body = string | Uint8Array;

function ingestBody(generate: Generator): Body {
  const trigger = {
    routing_key: key,
    event_action: "trigger",
    dedup_key: "fuzz",
    payload: { summary: "disk full", source: "db-1", severity: "critical" },
  };
  const webhook = {
    version: "4",
    groupKey: "{}:{}",
    status: "firing",
    alerts: [{ status: "firing", labels: { alertname: "A" }, annotations: {} }],
  };
  switch (generate.int(0, 7)) {
    case 0:
      return JSON.stringify(generate.value());
    case 1:
      return JSON.stringify(generate.mutate(trigger));
    case 2:
      return JSON.stringify({ ...trigger, payload: generate.mutate(trigger.payload) });
    case 3:
      return JSON.stringify(generate.mutate(webhook));
    case 4:
      return generate.deep();
    case 5:
      return generate.bytes();
    case 6:
      return JSON.stringify(trigger).slice(0, generate.int(0, 60));
    default:
      return JSON.stringify({ ...trigger, payload: { ...trigger.payload, summary: generate.string() } });
  }
}

function request(url: string, method: string, body: Body | null, headers: Record<string, string | null>): Request {
  const clean = Object.fromEntries(Object.entries(headers).filter(([, value]) => value !== null)) as Record<
    string,
    string
  >;
  // Bytes, so that Request adds no Content-Type of its own when the case sends none.
  const bytes = body === null ? null : typeof body === "string" ? new TextEncoder().encode(body) : body;
  return new Request(url, { method, headers: clean, body: bytes as BodyInit | null });
}

async function expectAnswered(response: Response, label: string): Promise<number> {
  const text = await response.text();
  expect(response.status, `${label}: ${text.slice(0, 300)}`).toBeLessThan(500);
  expect(() => JSON.parse(text), `${label}: the answer is JSON`).not.toThrow();
  return response.status;
}

describe("fuzz", () => {
  it(`answers ${CASES} generated ingest bodies below 500, each with a JSON body`, async () => {
    const generate = new Generator(new SeededRandom(SEED));
    const statuses = new Map<number, number>();
    for (let index = 0; index < CASES; index++) {
      const body = ingestBody(generate);
      const headers: Record<string, string | null> = { "content-type": generate.contentType() };
      if (generate.chance(0.3)) headers.authorization = generate.pick([`Bearer ${key}`, "Bearer nope", "Basic x", ""]);
      const query = generate.chance(0.1)
        ? `?integration_key=${encodeURIComponent(
            generate
              .string()
              .slice(0, 50)
              .replace(/[\ud800-\udfff]/g, "?"),
          )}`
        : "";
      const status = await expectAnswered(
        await ingest(request(`http://127.0.0.1:3000/api/v1/pager/events${query}`, "POST", body, headers)),
        `ingest case ${index}`,
      );
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    console.info("ingest fuzz answers by status", Object.fromEntries(statuses));
    // The generator reaches every refusal and some acceptances.
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([202, 400, 415]));
  }, 120_000);

  it(`answers ${CASES} generated tRPC calls below 500 (signed in, across every procedure), each with a JSON body`, async () => {
    const generate = new Generator(new SeededRandom(SEED + 1));
    const procedures = Object.entries(
      appRouter._def.procedures as unknown as Record<string, { _def: { type: string } }>,
    ).map(([path, procedure]) => ({ path, type: procedure._def.type }));
    const statuses = new Map<number, number>();
    for (let index = 0; index < CASES; index++) {
      const batch = generate.chance(0.15);
      const calls = Array.from({ length: batch ? generate.int(1, 3) : 1 }, () => generate.pick(procedures));
      const path = calls.map((call) => call.path).join(",");
      const payload = (): unknown =>
        generate.pick([
          () => ({ json: generate.value() }),
          () => generate.value(),
          () => ({ json: { page: generate.value(), pageSize: generate.value(), incidentId: generate.value() } }),
          () => ({ json: generate.value(), meta: { values: generate.value() } }),
        ])();
      const raw = (): Body =>
        generate.pick<() => Body>([
          () => JSON.stringify(batch ? Object.fromEntries(calls.map((_call, at) => [at, payload()])) : payload()),
          () => generate.deep(),
          () => generate.bytes(),
          () => JSON.stringify({ json: "z".repeat(generate.pick([10, 600_000, 1_100_000])) }),
          () => "{not json",
        ])();
      const headers: Record<string, string | null> = {
        cookie: generate.chance(0.9) ? cookie : null,
        origin: generate.pick([null, null, BASE, "http://localhost:3000", "https://evil.example", "null"]),
        "content-type": generate.contentType(),
      };
      const asGet = calls.every((call) => call.type === "query") ? generate.chance(0.85) : generate.chance(0.1);
      const url = `${BASE}/api/trpc/${path}${batch ? "?batch=1" : ""}`;
      const body = raw();
      // A query's input rides in the URL (cut to a URL's size); bytes that are no string go as a broken escape.
      const input =
        typeof body === "string"
          ? encodeURIComponent(body.slice(0, 4000).replace(/[\ud800-\udfff]/g, "?"))
          : "%E0%A4%A";
      const response = asGet
        ? await trpcGet(request(`${url}${batch ? "&" : "?"}input=${input}`, "GET", null, headers))
        : await trpcPost(request(url, "POST", body, headers));
      const status = await expectAnswered(response, `tRPC case ${index} (${asGet ? "GET" : "POST"} ${path})`);
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    console.info("tRPC fuzz answers by status", Object.fromEntries(statuses));
    expect([...statuses.keys()].sort()).toEqual(expect.arrayContaining([200, 400, 403, 413]));
  }, 180_000);
});
