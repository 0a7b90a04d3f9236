import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, version } from "esbuild";
import * as manifest from "../functions/manifest";
import { median, RESULTS, save, table } from "./support";

/**
 * Per function: the esbuild bundle as SST builds it (minified ESM for node22, code splitting on
 * as `stacks/lambda.ts` sets it, `@aws-sdk/*` left out as the Lambda runtime provides it), the
 * KB loaded at init (the entry and the chunks it imports statically) and the KB only a dynamic
 * `import()` loads, and module init time in a fresh process (the `import()` of the entry). Init
 * is compared with a handler that imports only the same `@aws-sdk/*` packages (the floor for a
 * function that uses those clients), timed alternately with it in the same run, so the ratio
 * holds up on a busy machine; the goal is issue 16's.
 */
const ROOT = fileURLToPath(new URL("../", import.meta.url));
const OUT = fileURLToPath(new URL("bundles/", RESULTS));

/** The goal per function (issue 16): this many KB at init, and init within this ratio. */
export const GOAL = { kb: 250, initRatio: 1.3 } as const;

function handlers(): string[] {
  const all = [
    ...manifest.routes.map((r) => r.handler),
    manifest.authorizer,
    ...Object.values(manifest.workers),
    manifest.callbacks.worker,
    manifest.deadLetter,
    manifest.feedback,
    manifest.stream,
    manifest.socket.authorizer,
  ];
  return [...new Set(all.map((h) => h.slice(0, h.lastIndexOf("."))))];
}

interface Bundle {
  /** The entry file, what the runtime imports. */
  entry: string;
  /** KB loaded at init: the entry and every chunk it imports statically, transitively. */
  kb: number;
  /** KB of chunks only a dynamic import() loads. */
  lazyKb: number;
  /** `@aws-sdk/*` packages imported at init. */
  sdk: string[];
}

async function bundle(entry: string, name: string): Promise<Bundle> {
  const outdir = `${OUT}${name}/`;
  rmSync(outdir, { recursive: true, force: true });
  const result = await build({
    entryPoints: { index: entry },
    outdir,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: true,
    minify: true,
    platform: "node",
    target: "node22",
    format: "esm",
    external: ["@aws-sdk/*"],
    banner: {
      js: "import{createRequire as __cr}from'module';const require=__cr(import.meta.url);",
    },
    metafile: true,
    logLevel: "silent",
  });
  const outputs = result.metafile.outputs;
  const abs = (path: string) => `${ROOT}${path}`;
  const entryPath = Object.keys(outputs).find((p) => outputs[p]?.entryPoint) as string;
  const atInit = new Set<string>();
  const visit = (path: string) => {
    if (atInit.has(path)) return;
    atInit.add(path);
    for (const imported of outputs[path]?.imports ?? []) {
      if (imported.kind === "import-statement" && !imported.external) visit(imported.path);
    }
  };
  visit(entryPath);
  const size = (paths: string[]) => paths.reduce((sum, p) => sum + statSync(abs(p)).size, 0);
  const all = Object.keys(outputs).filter((p) => p.endsWith(".mjs"));
  const sdk = new Set<string>();
  for (const path of atInit) {
    const text = readFileSync(abs(path), "utf8");
    for (const m of text.matchAll(/from\s*"(@aws-sdk\/[^"]+)"/g)) sdk.add(m[1] as string);
  }
  return {
    entry: abs(entryPath),
    kb: size([...atInit]) / 1024,
    lazyKb: size(all.filter((p) => !atInit.has(p))) / 1024,
    sdk: [...sdk].sort(),
  };
}

function initOnce(file: string): number {
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
  return Number(result.stdout);
}

/** A handler that imports only these SDK packages, built like the functions. */
async function sdkOnly(packages: string[], name: string): Promise<Bundle> {
  const entry = `${OUT}${name}.sdk-only-entry.mjs`;
  writeFileSync(
    entry,
    `${packages.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`).join("\n")}
export const handler = async () => ({ statusCode: 200, modules: [${packages.map((_, i) => `m${i}`).join(", ")}].length });
`,
  );
  return bundle(entry, `${name}.sdk-only`);
}

export async function measureBundles(runs = 7) {
  mkdirSync(OUT, { recursive: true });
  const measured = [];
  for (const handler of handlers()) {
    const name = handler.replace(/^functions\//, "");
    const safe = name.replace(/[^\w-]+/g, "_");
    const lean = await bundle(`${ROOT}${handler}.ts`, safe);
    const floor = await sdkOnly(lean.sdk, safe);
    // Alternately, so both see the same load; the ratio is the median of the pairs'.
    const own: number[] = [];
    const base: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const f = initOnce(floor.entry);
      const o = initOnce(lean.entry);
      base.push(f);
      own.push(o);
      ratios.push(o / f);
    }
    measured.push({
      name,
      ...lean,
      initMs: median(own),
      sdkOnlyInitMs: median(base),
      ratio: median(ratios),
    });
  }
  const goal = `goal ≤${GOAL.kb} KB, ≤${GOAL.initRatio}×`;
  const rows = measured.map((m) => ({
    function: m.name,
    "KB at init": m.kb,
    "KB lazy": m.lazyKb,
    "init ms": m.initMs,
    "SDK-only init ms": m.sdkOnlyInitMs,
    ratio: m.ratio,
    [goal]: m.kb <= GOAL.kb && m.ratio <= GOAL.initRatio ? "PASS" : "FAIL",
    "SDK clients": m.sdk.map((p) => p.replace(/^@aws-sdk\/(client-)?/, "")).join(" ") || "-",
  }));
  table(
    `Bundles (esbuild ${version}: bundle, splitting, minify, node22, esm; @aws-sdk/* external, as the Lambda runtime provides it) and module init in a fresh node ${process.version} (import of the entry, median of ${runs}); ratio = median of init / init of a handler importing only the same SDK packages, timed alternately`,
    rows,
  );
  const kbs = rows.map((r) => r["KB at init"]);
  const ratios = rows.map((r) => r.ratio);
  process.stdout.write(
    `\nlean functions (≤ ${GOAL.kb} KB at init, init ≤ ${GOAL.initRatio}× SDK-only): ${rows.filter((r) => r[goal] === "PASS").length} of ${rows.length} pass; KB ${Math.min(...kbs).toFixed(0)}–${Math.max(...kbs).toFixed(0)}, ratio ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}\n`,
  );
  save("bundles", { esbuild: version, node: process.version, runs, goal: GOAL, rows });
  return rows;
}
