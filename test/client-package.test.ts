import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generate, TYPES_FILE } from "../packages/client/scripts/openapi-types";
import { unique, useLocalCloud } from "./support";

/**
 * @herald/client as another repository gets it: `npm pack`, installed from the tarball into a
 * project outside the workspace (its own dependencies come from the registry), a program
 * type-checked by `tsc` against the shipped declarations and run against the local cloud.
 */
const run = promisify(execFile);
const root = resolve(import.meta.dirname, "..");
const client = join(root, "packages/client");
const cloud = useLocalCloud();
let scratch: string;
let tarball: string;

beforeAll(async () => {
  scratch = mkdtempSync(join(tmpdir(), "herald-client-"));
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", scratch], {
    cwd: client,
  });
  const [packed] = JSON.parse(stdout) as [{ filename: string; files: { path: string }[] }];
  tarball = join(scratch, packed.filename);
  const app = join(scratch, "app");
  cpSync(join(import.meta.dirname, "client-package/consumer.ts"), join(app, "consumer.ts"));
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  writeFileSync(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        module: "NodeNext",
        moduleResolution: "NodeNext",
        strict: true,
        lib: ["ES2023", "DOM"],
        types: ["node"],
        outDir: "out",
        skipLibCheck: false,
      },
      files: ["consumer.ts"],
    }),
  );
  // The same typescript and @types/node as the workspace, from the registry.
  const version = (name: string) =>
    JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
  await run(
    "npm",
    [
      "install",
      "--no-audit",
      "--no-fund",
      "--ignore-scripts",
      tarball,
      `typescript@${version("typescript")}`,
      `@types/node@${version("@types/node")}`,
    ],
    { cwd: app },
  );
}, 180_000);

afterAll(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe("the published @herald/client", () => {
  it("ships built ESM and declarations only, and depends on nothing of Herald's", async () => {
    const app = join(scratch, "app");
    const installed = join(app, "node_modules/@herald/client");
    const manifest = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
    expect(manifest.private).toBeUndefined();
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Object.keys(manifest.dependencies)).toEqual(["eventsource-parser"]);
    const { stdout } = await run("tar", ["-tzf", tarball]);
    const files = stdout.trim().split("\n");
    expect(files).toContain("package/dist/index.js");
    expect(files).toContain("package/dist/index.d.ts");
    expect(files).toContain("package/dist/inbox.js");
    expect(files).toContain("package/dist/inbox.d.ts");
    expect(files.filter((file) => file.endsWith(".ts") && !file.endsWith(".d.ts"))).toEqual([]);
    for (const file of files.filter((name) => name.startsWith("package/dist/"))) {
      const text = readFileSync(join(installed, file.slice("package/".length)), "utf8");
      expect(text, file).not.toMatch(/@herald\/(core|local)/);
    }
  });

  it("type-checks a program with tsc and runs it: send, waitFor, subscribe", async () => {
    const app = join(scratch, "app");
    await run(join(app, "node_modules/.bin/tsc"), ["-p", app]).catch((error) => {
      throw new Error(`tsc failed:\n${error.stdout}${error.stderr}`);
    });
    const apiKey = await cloud().createKey(unique("tenant"));
    const recipient = unique("user");
    const { stdout } = await run(
      process.execPath,
      [join(app, "out/consumer.js"), cloud().apiUrl, apiKey, cloud().feedUrl, recipient],
      { cwd: app },
    );
    const result = JSON.parse(stdout);
    expect(result.status).toBe("delivered");
    expect(result.events).toBeGreaterThanOrEqual(1);
    expect(result.unread).toBe(1);
  }, 60_000);
});

describe("the client's API types", () => {
  it("match the OpenAPI document Herald serves (npm run client:types regenerates them)", async () => {
    expect(readFileSync(TYPES_FILE, "utf8")).toBe(await generate());
  });
});
