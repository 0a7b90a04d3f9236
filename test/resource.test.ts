import { spawnSync } from "node:child_process";
import { createCipheriv, randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { load } from "@herald/core/resource";
import { describe, expect, it } from "vitest";

// Herald reads its links without `sst/resource` (see packages/core/src/resource.ts). These cases
// run SST's own loader in a child process on the same environment and file, so a change in how
// SST hands links to a function shows up here.

/** `resource.enc` as SST writes it for a deployed function: AES-256-GCM, zero nonce, tag last. */
function encrypted(links: Record<string, unknown>) {
  const key = randomBytes(32);
  const cipher = createCipheriv("aes-256-gcm", key, Buffer.alloc(12));
  const body = Buffer.concat([cipher.update(JSON.stringify(links)), cipher.final()]);
  const file = join(mkdtempSync(join(tmpdir(), "herald-resource-")), "resource.enc");
  writeFileSync(file, Buffer.concat([body, cipher.getAuthTag()]));
  return { SST_KEY: key.toString("base64"), SST_KEY_FILE: file };
}

/** What `sst/resource` reads from this environment, every link by name. */
function readBySst(env: Record<string, string>) {
  const result = spawnSync(
    process.execPath,
    [
      "--input-type=module",
      "-e",
      `const { Resource } = await import("sst/resource");
       process.stdout.write(JSON.stringify(Object.fromEntries(Object.keys(Resource).map((k) => [k, Resource[k]]))));`,
    ],
    { encoding: "utf8", env: { PATH: process.env.PATH, ...env } },
  );
  if (result.status !== 0) throw new Error(result.stderr);
  return JSON.parse(result.stdout);
}

describe("linked resources", () => {
  it("are read as SST reads them: variables, the JSON variable, then the encrypted file", () => {
    // Prepare
    const env = {
      SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "prod" }),
      SST_RESOURCE_Table: JSON.stringify({ name: "from-variable", type: "sst.aws.Dynamo" }),
      SST_RESOURCES_JSON: JSON.stringify({ Email: { sender: "a@example.com" } }),
      ...encrypted({
        Table: { name: "from-file", type: "sst.aws.Dynamo" },
        Upstash: { url: "https://redis.example.com", token: "secret-token" },
      }),
    };

    // Act
    const ours = load(env);
    const sst = readBySst(env);

    // Assess
    expect(ours).toEqual(sst);
    expect(ours).toMatchObject({
      App: { name: "herald", stage: "prod" },
      Table: { name: "from-file" },
      Email: { sender: "a@example.com" },
      Upstash: { token: "secret-token" },
    });
  });

  it("refuse a file that does not open under the key", () => {
    // Prepare
    const env = {
      ...encrypted({ Table: { name: "t" } }),
      SST_KEY: randomBytes(32).toString("base64"),
    };

    // Act, Assess
    expect(() => load(env)).toThrow(/authenticate/);
    expect(() => readBySst(env)).toThrow(/authenticate/);
  });
});
