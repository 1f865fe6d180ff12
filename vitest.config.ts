import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { tsconfigPaths: true },
  test: {
    include: [
      "server/**/*.test.ts",
      "db/**/*.test.ts",
      "app/**/*.test.ts",
      "bench/**/*.test.ts",
      "scripts/**/*.test.ts",
      "soak/**/*.test.ts",
    ],
    exclude: ["e2e/**", "node_modules/**", ".next/**"],
    environment: "node",
    pool: "forks",
    // One test file at a time: several suites start child processes (workers, capture clients, concurrent
    // pagers) and NATS servers' consumers, and on a 2-core machine two such files at once starve each other.
    fileParallelism: false,
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
