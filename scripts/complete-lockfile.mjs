#!/usr/bin/env node
/**
 * Completes package-lock.json with the platform-specific optional packages (napi-rs style binaries of
 * @tailwindcss/oxide, @unrs/resolver-binding, …) that the registry reachable here does not serve: npm install
 * leaves them out of the lock, and npm ci then refuses the lock as out of sync. Each added entry carries the
 * os / cpu / libc its name states, so npm ci skips it on every other platform, as a normal lock would.
 * Run it after every `npm install <package>`: `node scripts/complete-lockfile.mjs`.
 */
import { readFileSync, writeFileSync } from "node:fs";
const file = process.argv[2] ?? "package-lock.json";
const lock = JSON.parse(readFileSync(file, "utf8"));
const packages = lock.packages;
const OS = {
  android: "android",
  darwin: "darwin",
  freebsd: "freebsd",
  linux: "linux",
  win32: "win32",
  openharmony: "openharmony",
};
const CPU = {
  arm64: "arm64",
  x64: "x64",
  ia32: "ia32",
  arm: "arm",
  loong64: "loong64",
  ppc64: "ppc64",
  riscv64: "riscv64",
  s390x: "s390x",
  wasm32: "wasm32",
};
function platformOf(name) {
  const parts = name.split("/").pop().split("-");
  const os = parts.find((part) => OS[part]);
  const cpu = parts.find((part) => CPU[part]);
  const libc = parts.some((part) => part.startsWith("musl") || part === "musleabihf")
    ? "musl"
    : parts.some((part) => part === "gnu" || part === "gnueabihf")
      ? "glibc"
      : undefined;
  return { os, cpu, libc };
}
let added = 0;
for (const [path, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path.includes("node_modules/") ? path.slice(0, path.lastIndexOf("node_modules/")) : "";
    const candidates = [`${path}/node_modules/${name}`, `${base}node_modules/${name}`, `node_modules/${name}`];
    if (candidates.some((candidate) => packages[candidate])) continue;
    const { os, cpu, libc } = platformOf(name);
    if (!cpu)
      throw new Error(
        `Cannot tell the platform of ${name} from its name: add its entry to package-lock.json by hand (version, optional, os, cpu).`,
      );
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      optional: true,
      ...(os ? { os: [os] } : {}),
      cpu: [cpu],
      ...(libc ? { libc: [libc] } : {}),
    };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))),
);
writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`added ${added} platform-specific optional packages the registry here does not serve`);
