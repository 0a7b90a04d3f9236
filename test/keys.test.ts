import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { EXIT, runKeys, USAGE } from "../scripts/keys";
import { client, unique, useLocalCloud } from "./support";

const cloud = useLocalCloud();

/** Run the command in-process, capturing what it writes. */
async function keys(...argv: string[]) {
  const written = { stdout: "", stderr: "" };
  const code = await runKeys(argv, {
    stdout: { write: (text: string) => (written.stdout += text) },
    stderr: { write: (text: string) => (written.stderr += text) },
  });
  return { code, ...written };
}

const api = (key: string) => client(cloud().apiUrl, key);

describe("npm run keys", () => {
  it("creates a key that works on the API, printing the secret once", async () => {
    // Prepare
    const tenant = unique("acme");

    // Act
    const created = await keys("create", "--tenant", tenant);
    const secret = created.stdout.trim();
    const listed = await api(secret).request("GET", "/v1/notifications");

    // Assess
    expect(created.code).toBe(EXIT.ok);
    expect(secret).toMatch(/^hrld_[\w-]{32}$/);
    expect(created.stderr).toMatch(/linked resources from the environment/);
    expect(created.stderr).toMatch(new RegExp(`key key_\\w+ for tenant ${tenant}`));
    expect(created.stderr).not.toContain(secret);
    expect(listed.status).toBe(200);
  });

  it("revokes a key, after which the API refuses it with 403", async () => {
    // Prepare: a key API Gateway has not cached an answer for (test/revocation.test.ts: one it has).
    const { stdout } = await keys("create", "--tenant", unique("acme"));
    const secret = stdout.trim();

    // Act
    const revoked = await keys("revoke", secret);
    const after = await api(secret).request("GET", "/v1/notifications");

    // Assess
    expect(revoked.code).toBe(EXIT.ok);
    expect(revoked.stdout).toBe("");
    expect(after.status).toBe(403);
  });

  it("refuses to revoke a key twice, or one that never existed", async () => {
    // Prepare
    const { stdout } = await keys("create", "--tenant", unique("acme"));
    const secret = stdout.trim();
    await keys("revoke", secret);

    // Act
    const again = await keys("revoke", secret);
    const unknown = await keys("revoke", `hrld_${unique("never")}`);

    // Assess
    expect(again.code).toBe(EXIT.failed);
    expect(again.stderr).toMatch(/unknown or already revoked/);
    expect(unknown.code).toBe(EXIT.failed);
  });

  it("answers bad usage with the usage text and a non-zero exit code", async () => {
    // Prepare
    const misuses = [
      [],
      ["frobnicate"],
      ["create"],
      ["create", "--tenant"],
      ["create", "--tenant", "acme", "extra"],
      ["create", "--tenant", "acme", "--colour", "blue"],
      ["revoke"],
      ["revoke", "a", "b"],
      ["revoke", "--tenant", "acme", "hrld_x"],
    ];

    // Act
    const results = await Promise.all(misuses.map((argv) => keys(...argv)));

    // Assess
    for (const [i, result] of results.entries()) {
      expect(result.code, misuses[i]?.join(" ")).toBe(EXIT.usage);
      expect(result.stderr, misuses[i]?.join(" ")).toContain(USAGE);
      expect(result.stdout).toBe("");
    }
  });

  it("rejects a malformed tenant id without creating anything", async () => {
    // Act
    const result = await keys("create", "--tenant", "Not A Tenant!");

    // Assess
    expect(result.code).toBe(EXIT.usage);
    expect(result.stderr).toMatch(/Invalid tenant id/);
    expect(result.stdout).toBe("");
  });

  it("prints the usage for help, with exit code 0", async () => {
    // Act
    const help = await keys("help");
    const flag = await keys("--help");

    // Assess
    expect(help).toEqual({ code: EXIT.ok, stdout: USAGE, stderr: "" });
    expect(flag.code).toBe(EXIT.ok);
  });

  it("as a script, finds the local cloud through .herald/local.json when nothing is linked", async () => {
    // Prepare: a directory holding what `npm run dev` writes, and an environment without links
    const directory = await mkdtemp(join(tmpdir(), "herald-keys-"));
    await mkdir(join(directory, ".herald"));
    await writeFile(join(directory, ".herald", "local.json"), JSON.stringify(cloud().env));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !(name in cloud().env)),
    );
    const script = fileURLToPath(new URL("../scripts/keys.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../node_modules/.bin/tsx", import.meta.url));
    const tenant = unique("acme");

    // Act
    const { stdout, stderr } = await promisify(execFile)(
      tsx,
      [script, "create", "--tenant", tenant],
      { cwd: directory, env },
    ).finally(() => rm(directory, { recursive: true, force: true }));
    const listed = await api(stdout.trim()).request("GET", "/v1/notifications");

    // Assess
    expect(stderr).toMatch(/local cloud from .*\.herald\/local\.json/);
    expect(listed.status).toBe(200);
  });
});
