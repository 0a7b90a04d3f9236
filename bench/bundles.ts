import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build, version } from "esbuild";
import * as manifest from "../functions/manifest";
import { median, RESULTS, save, table } from "./support";

/**
 * Per function: the esbuild bundle as SST builds it for ESM (sst/sst pkg/runtime/node/build.go:
 * minified, `module` before `main`, names kept, code splitting on as `stacks/lambda.ts` sets it),
 * except that `@aws-sdk/*` is left out, as the Lambda runtime provides it (SST bundles it unless
 * a function marks it external); the KB loaded at init (the entry and the chunks it imports
 * statically) and the KB only a dynamic `import()` loads; and module init time in a fresh
 * process (the `import()` of the entry). Init is compared with a handler that imports only the
 * same clients: the `@aws-sdk/*` packages and, where the function talks to Redis, the Upstash
 * Redis SDK (`@upstash/redis`, Herald's one client of a service outside AWS, which a function
 * that uses Redis cannot leave out any more than its DynamoDB client). That handler is the floor
 * for a function that uses those clients; it is timed alternately with the function in the same
 * run, so the ratio holds up on a busy machine. The ratio against the AWS SDK clients alone is
 * printed too. The goal is issue 16's.
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
    manifest.counter.handler,
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
  /** Whether the Upstash Redis SDK is bundled and loaded at init. */
  redis: boolean;
  /**
   * KB at init per source (a package in node_modules, or a file of Herald's), largest first,
   * with the chain of static imports from the entry that first reaches it.
   */
  inputs: Array<{ input: string; kb: number; via: string[] }>;
}

/** `node_modules/@smithy/core/dist-es/x.js` → `@smithy/core`; Herald's own files as they are. */
function source(input: string): string {
  const at = input.lastIndexOf("node_modules/");
  if (at < 0) return input;
  const [scope, name] = input.slice(at + "node_modules/".length).split("/");
  return scope?.startsWith("@") ? `${scope}/${name}` : (scope as string);
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
    // As SST's build (sst/sst pkg/runtime/node/build.go) for ESM: `module` before `main`, so a
    // package's ES build is tree-shaken rather than its CommonJS one taken whole, and names kept.
    mainFields: ["module", "main"],
    keepNames: true,
    platform: "node",
    target: "esnext",
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
  // The entry's own output: with splitting, each dynamically imported module is an entry point
  // of the metafile too.
  const entryPath = Object.keys(outputs).find((p) => p.endsWith(`/${name}/index.mjs`)) as string;
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
  const bySource = new Map<string, number>();
  for (const path of atInit) {
    for (const [input, { bytesInOutput }] of Object.entries(outputs[path]?.inputs ?? {})) {
      bySource.set(source(input), (bySource.get(source(input)) ?? 0) + bytesInOutput);
    }
  }
  // The first chain of static imports (breadth-first from the entry) that reaches each source.
  const inputs = result.metafile.inputs;
  const start = Object.keys(inputs).find((i) => inputs[i] && i.endsWith(entry.slice(ROOT.length)));
  const parent = new Map<string, string | undefined>([[start as string, undefined]]);
  const queue = [start as string];
  const via = new Map<string, string[]>();
  while (queue.length) {
    const input = queue.shift() as string;
    if (!via.has(source(input))) {
      const chain: string[] = [];
      for (let at: string | undefined = input; at; at = parent.get(at)) chain.unshift(source(at));
      via.set(
        source(input),
        chain.filter((s, i) => s !== chain[i - 1]),
      );
    }
    for (const imported of inputs[input]?.imports ?? []) {
      if (imported.kind === "dynamic-import" || imported.external || parent.has(imported.path)) {
        continue;
      }
      parent.set(imported.path, input);
      queue.push(imported.path);
    }
  }
  return {
    entry: abs(entryPath),
    kb: size([...atInit]) / 1024,
    lazyKb: size(all.filter((p) => !atInit.has(p))) / 1024,
    sdk: [...sdk].sort(),
    redis: bySource.has("@upstash/redis"),
    inputs: [...bySource]
      .map(([input, bytes]) => ({ input, kb: bytes / 1024, via: via.get(input) ?? [] }))
      .sort((a, b) => b.kb - a.kb),
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
  rmSync(entry, { force: true });
  writeFileSync(
    entry,
    `${packages.map((p, i) => `import * as m${i} from ${JSON.stringify(p)};`).join("\n")}
export const handler = async () => ({ statusCode: 200, modules: [${packages.map((_, i) => `m${i}`).join(", ")}].length });
`,
  );
  return bundle(entry, `${name}.sdk-only`);
}

export interface BundleOptions {
  /** Only these functions (`api/health`, `workers/push`); all when empty. */
  only?: string[];
  /** Also print, per function, the sources that weigh most at init (`--why`). */
  why?: boolean;
  /** Init timings per function and per floor (`--runs N`, default 7; more for steadier ratios). */
  runs?: number;
}

/**
 * `npm run bench -- bundles [--why] [--runs N] [function…]`: the table, for all functions or the
 * ones named; `--why` adds each one's heaviest sources at init (packages, and Herald's own files).
 */
export async function measureBundles({ only = [], why = false, runs = 7 }: BundleOptions = {}) {
  mkdirSync(OUT, { recursive: true });
  const measured = [];
  const names = handlers().map((h) => h.replace(/^functions\//, ""));
  const unknown = only.filter((name) => !names.includes(name));
  if (unknown.length)
    throw new Error(`no function ${unknown.join(", ")}; one of ${names.join(" ")}`);
  for (const handler of handlers()) {
    const name = handler.replace(/^functions\//, "");
    if (only.length && !only.includes(name)) continue;
    const safe = name.replace(/[^\w-]+/g, "_");
    const lean = await bundle(`${ROOT}${handler}.ts`, safe);
    if (why) {
      const top = lean.inputs.slice(0, 15);
      process.stdout.write(
        `\n${name}: ${lean.kb.toFixed(0)} KB at init, of which\n${top.map((i) => `  ${i.kb.toFixed(1).padStart(6)} KB  ${i.input}${i.via.length > 1 ? `  ← ${i.via.slice(0, -1).reverse().join(" ← ")}` : ""}`).join("\n")}\n`,
      );
    }
    const clients = lean.redis ? [...lean.sdk, "@upstash/redis"] : lean.sdk;
    const floor = await sdkOnly(clients, safe);
    const awsFloor = lean.redis ? await sdkOnly(lean.sdk, `${safe}.aws`) : floor;
    // Alternately, so all see the same load; a ratio is the median of the runs' ratios.
    const own: number[] = [];
    const base: number[] = [];
    const ratios: number[] = [];
    const awsRatios: number[] = [];
    for (let i = 0; i < runs; i++) {
      const f = initOnce(floor.entry);
      const o = initOnce(lean.entry);
      const a = lean.redis ? initOnce(awsFloor.entry) : f;
      base.push(f);
      own.push(o);
      ratios.push(o / f);
      awsRatios.push(o / a);
    }
    measured.push({
      name,
      ...lean,
      initMs: median(own),
      clientsOnlyInitMs: median(base),
      ratio: median(ratios),
      awsRatio: median(awsRatios),
    });
  }
  const goal = `goal ≤${GOAL.kb} KB, ≤${GOAL.initRatio}×`;
  const rows = measured.map((m) => ({
    function: m.name,
    "KB at init": m.kb,
    "KB lazy": m.lazyKb,
    "init ms": m.initMs,
    "clients-only init ms": m.clientsOnlyInitMs,
    ratio: m.ratio,
    [goal]: m.kb <= GOAL.kb && m.ratio <= GOAL.initRatio ? "PASS" : "FAIL",
    "ratio to AWS SDK only": m.awsRatio,
    clients:
      [
        ...m.sdk.map((p) => p.replace(/^@aws-sdk\/(client-)?/, "")),
        ...(m.redis ? ["upstash-redis"] : []),
      ].join(" ") || "-",
  }));
  table(
    `Bundles (esbuild ${version} as SST builds ESM: bundle, splitting, minify, module main field first, names kept; @aws-sdk/* external, as the Lambda runtime provides it) and module init in a fresh node ${process.version} (import of the entry, median of ${runs}); ratio = median of init / init of a handler importing only the same clients (the @aws-sdk/* packages, and @upstash/redis where the function uses Redis), timed alternately`,
    rows,
  );
  const kbs = rows.map((r) => r["KB at init"]);
  const ratios = rows.map((r) => r.ratio);
  process.stdout.write(
    `\nlean functions (≤ ${GOAL.kb} KB at init, init ≤ ${GOAL.initRatio}× clients only): ${rows.filter((r) => r[goal] === "PASS").length} of ${rows.length} pass; KB ${Math.min(...kbs).toFixed(0)}–${Math.max(...kbs).toFixed(0)}, ratio ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}\n`,
  );
  // A partial run (some functions named) is not the table of record.
  if (!only.length)
    save("bundles", { esbuild: version, node: process.version, runs, goal: GOAL, rows });
  return rows;
}
