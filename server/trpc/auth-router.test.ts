import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDatabases } from "@/db/client";
import { parseConfig } from "@/server/core/config";
import { ManualClock } from "@/server/core/clock";
import { createRuntime, type Runtime } from "@/server/jobs/runtime";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter, createCaller } from "./root";
import type { SessionUser } from "./init";

let directory: string;
let runtime: Runtime;

const as = (user: SessionUser | null) => createCaller({ user, consoles: runtime.consoles });
const admin: SessionUser = { id: "usr_admin_test", email: "root@example.com", name: "Root", role: "admin" };
const viewer: SessionUser = { id: "usr_viewer_test", email: "view@example.com", name: "View", role: "viewer" };

beforeAll(async () => {
  directory = mkdtempSync(path.join(tmpdir(), "watchpost-auth-"));
  const config = parseConfig({
    DATABASE_PATH: path.join(directory, "test.db"),
    WATCHPOST_DEMO: "false",
    WATCHPOST_ADMIN_PASSWORD: "first-admin-password",
    WATCHPOST_ENGINES: "none",
  });
  runtime = createRuntime(config, { clock: new ManualClock(Date.UTC(2026, 10, 22)) });
  await runtime.ready;
});

afterAll(() => {
  closeDatabases();
  rmSync(directory, { recursive: true, force: true });
});

describe("auth router", () => {
  it("creates the first admin from WATCHPOST_ADMIN_EMAIL at first start, once", async () => {
    expect(runtime.users.countAdmins()).toBe(1);
    expect(runtime.users.findByEmail("admin@watchpost.local")?.role).toBe("admin");
  });

  it("lets an admin add a user, writing the audit row with the change", async () => {
    const created = await as(admin).auth.user.create({
      email: "Casey@Example.com",
      name: "Casey",
      role: "responder",
      password: "a-long-enough-password",
    });
    expect(created.email).toBe("casey@example.com");
    const audit = await as(admin).auth.audit.list({ page: 1, pageSize: 10 });
    expect(audit.items[0]).toMatchObject({
      action: "auth.user.create",
      target: created.id,
      actorLabel: "root@example.com",
      details: { email: "casey@example.com", role: "responder" },
    });
  });

  it("refuses a second user with the same e-mail and leaves nothing behind", async () => {
    const before = (await as(admin).auth.user.list({ page: 1, pageSize: 50 })).total;
    await expect(
      as(admin).auth.user.create({
        email: "casey@example.com",
        name: "Other",
        role: "viewer",
        password: "a-long-enough-password",
      }),
    ).rejects.toThrow("exists already");
    expect((await as(admin).auth.user.list({ page: 1, pageSize: 50 })).total).toBe(before);
  });

  it("answers malformed input over HTTP with the field and what it expects", async () => {
    const response = await fetchRequestHandler({
      endpoint: "/api/trpc",
      router: appRouter,
      req: new Request("http://localhost/api/trpc/auth.user.create", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          json: { email: "not-an-email", name: "X", role: "owner", password: "a-long-enough-password" },
        }),
      }),
      createContext: async () => ({ user: admin, consoles: runtime.consoles }),
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.json.message).toBe(
      "Invalid input — email: Enter a valid e-mail address, such as ana@example.com.; role: Choose a role: viewer, responder or admin.",
    );
    expect(body.error.json.data.zodError.fieldErrors.email).toEqual([
      "Enter a valid e-mail address, such as ana@example.com.",
    ]);
    expect(runtime.users.findByEmail("not-an-email")).toBeUndefined();
  });

  it("refuses a viewer's mutation and names the role needed", async () => {
    await expect(
      as(viewer).auth.user.create({
        email: "v@example.com",
        name: "V",
        role: "viewer",
        password: "a-long-enough-password",
      }),
    ).rejects.toThrow("Only an admin can do this; you are signed in as a viewer");
  });

  it("keeps the audit log for admins", async () => {
    await expect(as(viewer).auth.audit.list({ page: 1, pageSize: 10 })).rejects.toThrow("Only an admin can do this");
  });

  it("offers no demo accounts on the sign-in page outside demo mode", async () => {
    expect(await as(null).auth.signInOptions()).toEqual({ demoAccounts: [] });
  });

  it("refuses a stranger", async () => {
    await expect(as(null).auth.user.list({ page: 1, pageSize: 10 })).rejects.toThrow("You are not signed in");
  });

  it("changes a role and records from and to", async () => {
    const user = runtime.users.findByEmail("casey@example.com")!;
    await as(admin).auth.user.changeRole({ userId: user.id, role: "admin" });
    expect(runtime.users.findByEmail("casey@example.com")?.role).toBe("admin");
    const audit = await as(admin).auth.audit.list({ page: 1, pageSize: 1 });
    expect(audit.items[0]).toMatchObject({
      action: "auth.user.changeRole",
      details: { from: "responder", to: "admin" },
    });
  });

  it("signs a user in with their password through better-auth and refuses a wrong one", async () => {
    const signIn = (password: string) =>
      runtime.consoles.auth.handle(
        new Request(`${runtime.config.WATCHPOST_BASE_URL}/api/auth/sign-in/email`, {
          method: "POST",
          headers: { "content-type": "application/json", origin: runtime.config.WATCHPOST_BASE_URL },
          body: JSON.stringify({ email: "casey@example.com", password }),
        }),
      );
    expect((await signIn("a-long-enough-password")).status).toBe(200);
    expect((await signIn("wrong-password-123")).status).toBe(401);
  });
});
