import { globSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

/**
 * Three tiers (`npm run test:unit|test:cloud|test:infra`; `npm test` runs them all):
 * - unit: no local cloud, no emulators; a process per file.
 * - cloud: against the local cloud. Files that call `useLocalCloud()` with default options
 *   and the emulators' own tests (test/local) share worker processes, and one cloud per
 *   process (`cloud:shared`, test/support.ts); files that pass options get a process and a
 *   cloud of their own (`cloud:own`); `cloud:redis-fallback` runs the Redis-dependent files
 *   again on the in-process Redis (HERALD_LOCAL_REDIS=embedded).
 * Vitest queues projects by name, longest file first within one: `cloud:own` holds the longest
 * file (channels), so it starts at once while the other worker gets through the rest.
 * - infra: the stacks under Pulumi mocks.
 * A file's tier follows from what it does, so a new test file lands in the right one.
 */

const INFRA = ["test/infra/**/*.test.ts"];
const REDIS_DEPENDENT = [
  "test/ratelimit.test.ts",
  "test/ratelimit-lease.test.ts",
  "test/realtime.test.ts",
];

const root = import.meta.dirname;
const testFiles = globSync(["test/**/*.test.ts", "packages/*/src/**/*.test.ts"], { cwd: root })
  .map((file) => file.split("\\").join("/"))
  .filter((file) => !file.startsWith("test/infra/"))
  .sort();
const source = (file: string) => readFileSync(`${root}/${file}`, "utf8");
const usesCloud = (file: string) => /\buseLocalCloud\(/.test(source(file));
const sharesCloud = (file: string) =>
  file.startsWith("test/local/") || /\buseLocalCloud\(\s*\)/.test(source(file));

const cloudShared = testFiles.filter(sharesCloud);
const cloudOwn = testFiles.filter((file) => usesCloud(file) && !sharesCloud(file));
const unit = testFiles.filter((file) => !usesCloud(file) && !sharesCloud(file));

export default defineConfig({
  // The workspace runs the client from source; its package.json exports point at the build.
  resolve: {
    alias: {
      "@herald/client/inbox": `${root}/packages/client/src/inbox.ts`,
      "@herald/client": `${root}/packages/client/src/index.ts`,
    },
  },
  test: {
    pool: "forks",
    // Most of a cloud test's time is spent waiting (queues, timers), so two files at a time
    // pay off even on two cores (vitest's default there would be one).
    maxWorkers: Math.max(2, availableParallelism() - 1),
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      { extends: true, test: { name: "unit", include: unit } },
      {
        extends: true,
        test: {
          name: "cloud:shared",
          include: cloudShared,
          isolate: false,
          env: { HERALD_TEST_SHARED_CLOUD: "true" },
        },
      },
      { extends: true, test: { name: "cloud:own", include: cloudOwn } },
      {
        extends: true,
        test: {
          name: "cloud:redis-fallback",
          include: REDIS_DEPENDENT,
          env: { HERALD_LOCAL_REDIS: "embedded" },
        },
      },
      { extends: true, test: { name: "infra", include: INFRA } },
    ],
  },
});
