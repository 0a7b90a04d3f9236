import { build } from "esbuild";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
const cases: Record<string, string> = {
  empty: `export const handler = async () => 1;`,
  logger: `import { log } from "/work/wt/lean/packages/core/src/log.ts"; export const handler = async () => log;`,
  middy: `import middy from "@middy/core"; export const handler = middy().handler(async () => 1);`,
  zod: `import * as z from "zod"; export const handler = async () => z.string();`,
  zodmini: `import * as z from "zod/mini"; export const handler = async () => [z.object({a: z.string(), b: z.optional(z.url())}), z.coerce.number()];`,
  channel: `import * as C from "/work/wt/lean/packages/core/src/realtime/channel.ts"; export const handler = async () => C;`,
};
for (const [name, src] of Object.entries(cases)) {
  const entry = `/work/wt/lean/bench/.scratch-${name}.ts`;
  writeFileSync(entry, src);
  const r = await build({ entryPoints: [entry], bundle: true, outfile: `/tmp/leanm/${name}.mjs`, minify: true, keepNames: true, mainFields: ["module","main"], platform: "node", format: "esm", external: ["@aws-sdk/*"], logLevel: "silent", banner: { js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);" } });
  const times = [];
  for (let i = 0; i < 7; i++) {
    const out = spawnSync(process.execPath, ["--input-type=module", "-e", `const t=performance.now();await import("/tmp/leanm/${name}.mjs");process.stdout.write(String(performance.now()-t))`], { encoding: "utf8", env: { ...process.env, SST_RESOURCE_App: '{"name":"h","stage":"b"}' } });
    times.push(Number(out.stdout));
  }
  times.sort((a, b) => a - b);
  const { statSync } = await import("node:fs");
  console.log(name, (statSync(`/tmp/leanm/${name}.mjs`).size / 1024).toFixed(0), "KB", times[3].toFixed(1), "ms");
}
