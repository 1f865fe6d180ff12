/**
 * The import rules of DESIGN.md, checked by eslint in `npm test` (eslint-plugin-import resolves every import,
 * relative or through the `@/` alias, to a file before comparing it with these folders):
 * - an engine's domain (server/<area>/ outside adapters/ and testing/) imports no framework, database or
 *   messaging library, no db/, and none of its own adapters;
 * - no engine imports another engine, and nothing in server/ imports upwards (core and db sit at the bottom;
 *   engines never import server/jobs, server/trpc or app/);
 * - app/ imports neither db/ nor an adapter, and of server/jobs only the runtime's consoles;
 * - server/trpc reaches the engines' domain types and consoles, never their adapters or the database;
 * - production code never imports a testing/ kit;
 * - no import cycles.
 */
const AREAS = ["alerts", "pager", "digests", "scheduling"];
const TESTS = ["**/*.test.ts", "**/*.test.tsx", "**/*.fixture.ts", "**/testing/**"];
const ADAPTERS = "server/**/adapters/**";
const TESTING_KITS = "./server/**/testing/**";

const FRAMEWORK_PACKAGES = [
  {
    group: ["next", "next/*", "react", "react-dom", "@trpc/*"],
    message: "Engine domain code is plain TypeScript: move framework code to app/ or server/trpc.",
  },
  {
    group: ["drizzle-orm", "drizzle-orm/*", "better-sqlite3", "@/db", "@/db/*"],
    message: "Engine domain code takes its stores as ports: put database code in the area's adapters/.",
  },
  {
    group: ["@nats-io/*", "undici", "nodemailer", "smtp-server"],
    message: "Engine domain code takes transports and senders as ports: put this in the area's adapters/.",
  },
];

const zone = (target, from, message, except) => ({ target, from, message, ...(except ? { except } : {}) });

/** Zones every file of server/<area>/ obeys: no other engine, nothing above server/<area>. */
function engineZones(area) {
  return [
    ...AREAS.filter((other) => other !== area).map((other) =>
      zone(
        `./server/${area}`,
        `./server/${other}`,
        `Engines never import each other: ${area} meets ${other} on the event bus (server/core/events.ts).`,
      ),
    ),
    zone(
      `./server/${area}`,
      "./server/jobs",
      "An engine never imports the wiring (server/jobs): take what you need as a port.",
    ),
    zone(`./server/${area}`, "./server/trpc", "An engine never imports the tRPC layer."),
    zone(`./server/${area}`, "./app", "An engine never imports app/."),
  ];
}

const noTestKits = zone(
  "./",
  TESTING_KITS,
  "Production code never imports a testing/ kit: move what it needs out of testing/.",
);

/** One group of production files and the zones they obey (the groups do not overlap: a later rule would replace an earlier one's zones). */
const restrictedPaths = (files, zones, ignores = []) => ({
  files,
  ignores: [...TESTS, ...ignores],
  rules: { "import/no-restricted-paths": ["error", { zones: [...zones, noTestKits] }] },
});

export const importRules = [
  // Engine domain code: no frameworks, no database, no own adapters, no other engine.
  ...AREAS.map((area) =>
    restrictedPaths(
      [`server/${area}/**/*.ts`],
      [
        ...engineZones(area),
        zone(
          `./server/${area}`,
          "./db",
          "Engine domain code takes its stores as ports: database code belongs in the area's adapters/.",
        ),
        zone(
          `./server/${area}`,
          `./server/${area}/**/adapters/**`,
          "Engine domain code never imports its adapters: declare a port and let server/jobs wire the adapter in.",
        ),
      ],
      [ADAPTERS],
    ),
  ),
  {
    files: AREAS.map((area) => `server/${area}/**/*.ts`),
    ignores: [...TESTS, ADAPTERS],
    rules: { "no-restricted-imports": ["error", { patterns: FRAMEWORK_PACKAGES }] },
  },
  // An engine's adapters: its own domain, the database and libraries, but no other engine.
  ...AREAS.map((area) => restrictedPaths([`server/${area}/**/adapters/**/*.ts`], engineZones(area))),
  // The bottom layers import nothing above them.
  restrictedPaths(
    ["server/core/**/*.ts"],
    [
      "./db",
      "./server/jobs",
      "./server/trpc",
      "./server/auth",
      "./app",
      ...AREAS.map((area) => `./server/${area}`),
    ].map((from) => zone("./server/core", from, "server/core sits at the bottom: it imports nothing above it.")),
  ),
  restrictedPaths(
    ["db/**/*.ts"],
    [
      zone("./db", "./server", "db/ imports only server/core (types and helpers).", ["./core"]),
      zone("./db", "./app", "db/ never imports app/."),
    ],
  ),
  // The tRPC layer: consoles and domain types, never adapters or the database.
  restrictedPaths(
    ["server/trpc/**/*.ts"],
    [
      zone("./server/trpc", "./db", "Routers call consoles; they never touch the database."),
      zone("./server/trpc", "./server/**/adapters/**", "Routers call consoles; they never import an adapter."),
    ],
  ),
  // app/: through tRPC and the runtime's consoles only.
  restrictedPaths(
    ["app/**/*.ts", "app/**/*.tsx"],
    [
      zone("./app", "./db", "app/ never imports db/: read and write through tRPC or a console."),
      zone("./app", "./server/**/adapters/**", "app/ never imports an adapter: call the area's console."),
      zone("./app", "./server/jobs", "app/ reaches server/jobs only for the consoles (server/jobs/runtime.ts).", [
        "./runtime.ts",
      ]),
    ],
  ),
  // The wiring and the rest of production code: no test kits.
  restrictedPaths(["server/jobs/**/*.ts", "server/auth/**/*.ts", "instrumentation.ts"], []),
  // No cycles anywhere in the application.
  {
    files: ["server/**/*.ts", "app/**/*.ts", "app/**/*.tsx", "db/**/*.ts"],
    rules: { "import/no-cycle": ["error", { ignoreExternal: true }] },
  },
];
