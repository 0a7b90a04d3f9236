/**
 * Generates packages/client/src/openapi.ts, the API's types, from the OpenAPI document Herald
 * serves at /openapi.json (built here from the same routes, so no server is needed), with
 * openapi-typescript. The client's public types derive from it, so the published package never
 * imports Herald's internals. `npm run client:types` rewrites it; `--check` exits 1 when the
 * committed file differs (test/client-package.test.ts runs the same comparison).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { openApiDocument } from "@herald/core/openapi";
import openapiTS, { astToString } from "openapi-typescript";
import { httpRoutes } from "../../../functions/routes";

export const TYPES_FILE = fileURLToPath(new URL("../src/openapi.ts", import.meta.url));

const HEADER = `/**
 * The API's types, generated from Herald's /openapi.json by openapi-typescript.
 * Do not edit: \`npm run client:types\` regenerates it.
 */
`;

/** The file's text as the current document generates it. */
export async function generate(): Promise<string> {
  const document = openApiDocument(httpRoutes);
  const ast = await openapiTS(JSON.parse(JSON.stringify(document)), {
    exportType: true,
    alphabetize: true,
  });
  return `${HEADER}\n${astToString(ast)}`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const text = await generate();
  if (process.argv.includes("--check")) {
    const committed = readFileSync(TYPES_FILE, "utf8");
    if (committed !== text) {
      process.stderr.write(`${TYPES_FILE} is out of date: run npm run client:types\n`);
      process.exit(1);
    }
  } else {
    writeFileSync(TYPES_FILE, text);
    process.stdout.write(`wrote ${TYPES_FILE}\n`);
  }
}
