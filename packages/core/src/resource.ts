/**
 * The linked resources SST gives a function, read the way `sst/resource` (SST's Node loader)
 * reads them, in the same order: `SST_RESOURCE_<Name>` variables, `SST_RESOURCES_JSON`, and in
 * a deployed function the encrypted `resource.enc` that `SST_KEY_FILE` names (AES-256-GCM under
 * `SST_KEY`, zero nonce, tag last).
 *
 * Why not `sst/resource` itself: it imports `fs`, `process` and `crypto` as ES modules, and
 * building those namespaces was about a fifth of the WebSocket authorizer's init. Here the file
 * and the cipher are reached through `process.getBuiltinModule`, only when there is a file to
 * read. `test/resource.test.ts` runs both loaders on the same links, so a change in SST's
 * format fails there rather than in a deployed function.
 */

type Links = Record<string, unknown>;

let links: Links | undefined;

/** One linked resource's properties (undefined when not linked), read once per container. */
export function resource(name: string): unknown {
  links ??= load(globalThis.process.env);
  return links[name];
}

/** Every link the environment names; exported for the test that compares it with SST's. */
export function load(env: NodeJS.ProcessEnv): Links {
  const state = globalThis as { $SST_LINKS?: Links; SST_KEY_FILE_DATA?: Links };
  const found: Links = { ...state.$SST_LINKS };
  for (const [key, value] of Object.entries(env)) {
    if (key.startsWith("SST_RESOURCE_") && value) {
      found[key.slice("SST_RESOURCE_".length)] = JSON.parse(value);
    }
  }
  if (env.SST_RESOURCES_JSON) Object.assign(found, JSON.parse(env.SST_RESOURCES_JSON));
  if (env.SST_KEY_FILE && env.SST_KEY && !state.SST_KEY_FILE_DATA) {
    Object.assign(found, decrypt(env.SST_KEY_FILE, env.SST_KEY));
  }
  if (state.SST_KEY_FILE_DATA) Object.assign(found, state.SST_KEY_FILE_DATA);
  return found;
}

function decrypt(file: string, key: string): Links {
  const { readFileSync } = process.getBuiltinModule("node:fs");
  const { createDecipheriv } = process.getBuiltinModule("node:crypto");
  const data = readFileSync(file);
  const decipher = createDecipheriv("aes-256-gcm", Buffer.from(key, "base64"), Buffer.alloc(12));
  decipher.setAuthTag(data.subarray(-16));
  const plain = Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]);
  return JSON.parse(plain.toString("utf8"));
}
