import { spawnSync } from "node:child_process";
import { mkdirSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, version } from "esbuild";
import * as manifest from "../functions/manifest";
import { median, RESULTS, save, table } from "./support";

/**
 * Per function: the esbuild bundle (minified ESM for node22, `@aws-sdk/*` left out as the Lambda
 * runtime provides it, and also with it bundled), and module init time in a fresh process
 * (the `import()` of the bundle, median of `runs`), each next to an empty handler built and timed
 * the same way in the same run.
 */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = fileURLToPath(new URL("bundles/", RESULTS));

function handlers(): string[] {
  const all = [
    ...manifest.routes.map((r) => r.handler),
    manifest.authorizer,
    ...Object.values(manifest.workers),
    manifest.deadLetter,
    manifest.stream,
  ];
  return [...new Set(all)].map((h) => h.slice(0, h.lastIndexOf(".")));
}

async function bundle(entry: string, name: string, externalSdk: boolean) {
  const outfile = `${OUT}${name}${externalSdk ? "" : ".sdk"}.mjs`;
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: "node",
    target: "node22",
    format: "esm",
    external: externalSdk ? ["@aws-sdk/*"] : [],
    banner: {
      js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
    },
    logLevel: "silent",
  });
  return { outfile, kb: statSync(outfile).size / 1024 };
}

function initMs(file: string, count: number): number {
  const runs: number[] = [];
  for (let i = 0; i < count; i++) {
    const result = spawnSync(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        // The Lambda runtime provides `awslambda` to streaming handlers; a stand-in here.
        `globalThis.awslambda??={streamifyResponse:(f)=>f,HttpResponseStream:{from:(s)=>s}};const t=performance.now();await import(${JSON.stringify(file)});process.stdout.write(String(performance.now()-t));`,
      ],
      {
        cwd: ROOT,
        encoding: "utf8",
        env: { ...process.env, SST_RESOURCE_App: '{"name":"herald","stage":"bench"}' },
      },
    );
    if (result.status !== 0) {
      throw new Error(`init of ${file} failed: ${result.stderr.split("\n").slice(-8).join("\n")}`);
    }
    runs.push(Number(result.stdout));
  }
  return median(runs);
}

export async function measureBundles(runs = 5) {
  mkdirSync(OUT, { recursive: true });
  const empty = `${OUT}empty-entry.mjs`;
  writeFileSync(empty, "export const handler = async () => ({ statusCode: 200 });\n");
  const targets: [string, string][] = [
    ["(empty handler)", empty],
    ...handlers().map((h): [string, string] => [h.replace(/^functions\//, ""), `${ROOT}${h}.ts`]),
  ];
  const measured = [];
  for (const [name, entry] of targets) {
    const safe = name.replace(/[^\w-]+/g, "_");
    const lean = await bundle(entry, safe, true);
    const full = await bundle(entry, safe, false);
    measured.push({
      name,
      kb: lean.kb,
      kbWithSdk: full.kb,
      initMs: initMs(lean.outfile, runs),
      initMsWithSdk: initMs(full.outfile, runs),
    });
  }
  const base = measured[0]!;
  const rows = measured.map((m) => ({
    function: m.name,
    KB: m.kb,
    "Δ KB": m.kb - base.kb,
    "init ms": m.initMs,
    "Δ init ms": m.initMs - base.initMs,
    "KB (SDK bundled)": m.kbWithSdk,
    "init ms (SDK bundled)": m.initMsWithSdk,
    "Δ init ms (SDK bundled)": m.initMsWithSdk - base.initMsWithSdk,
  }));
  table(
    `Bundles (esbuild ${version}: bundle, minify, node22, esm; @aws-sdk/* external, as the Lambda runtime provides it) and module init in a fresh node ${process.version} (import time, median of ${runs}); Δ = against the empty handler`,
    rows,
  );
  save("bundles", { esbuild: version, node: process.version, runs, rows });
  return rows;
}
