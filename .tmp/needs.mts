import { build } from "esbuild";

const r = await build({
  entryPoints: [process.argv[2]],
  bundle: true,
  write: false,
  platform: "node",
  target: "node22",
  format: "esm",
  external: ["@aws-sdk/*"],
  logLevel: "silent",
  outfile: "o.mjs",
});
const t = r.outputFiles[0].text;
console.log(
  t.length,
  [...t.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g)].map(
    (m) => m[2] + ":" + m[1].slice(0, 200),
  ),
  [...new Set([...t.matchAll(/\blink\d*\("(\w+)"\)/g)].map((m) => m[1]))],
  /publishEvents\d*\(/.test(t),
);
