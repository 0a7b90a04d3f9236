import { build } from "esbuild";
const r = await build({ entryPoints: { index: "functions/api/docs.ts" }, bundle: true, write: false, splitting: true, outdir: "/tmp/x", outExtension: { ".js": ".mjs" }, minify: true, keepNames: true, mainFields: ["module","main"], platform: "node", format: "esm", external: ["@aws-sdk/*"], metafile: true, logLevel: "silent" });
for (const [p, o] of Object.entries(r.metafile.outputs)) if (o.entryPoint) console.log(p, o.entryPoint, o.imports);
