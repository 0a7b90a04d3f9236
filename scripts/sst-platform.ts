import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * SST's platform code (`.sst/platform`: its components and the Pulumi AWS provider's types),
 * which `tsc -p stacks` and the infra tests need. `sst install` unpacks it for the pinned CLI
 * version from the npm registry (~30 s, once); nothing happens when it is already there.
 *
 * `npm run typecheck` runs this first, so a fresh clone type-checks the stacks too.
 */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
export const PLATFORM = join(ROOT, ".sst", "platform");

export function ensurePlatform(stage = "infratest") {
  const wanted = JSON.parse(readFileSync(join(ROOT, "node_modules/sst/package.json"), "utf8"))
    .version as string;
  const versionFile = join(PLATFORM, "version");
  const installed = existsSync(versionFile) ? readFileSync(versionFile, "utf8").trim() : "";
  if (installed === wanted && existsSync(join(PLATFORM, "node_modules/@pulumi/aws"))) return;
  const result = spawnSync(join(ROOT, "node_modules/.bin/sst"), ["install", "--stage", stage], {
    cwd: ROOT,
    encoding: "utf8",
    env: {
      ...process.env,
      SST_SKIP_DEPENDENCY_CHECK: "true",
      SST_NO_BUN: "1",
      SST_TELEMETRY_DISABLED: "1",
    },
  });
  if (result.status !== 0) {
    throw new Error(
      `sst install failed (needs the npm registry):\n${result.stdout}\n${result.stderr}`,
    );
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) ensurePlatform();
