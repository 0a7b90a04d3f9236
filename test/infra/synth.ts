import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ensurePlatform } from "../../scripts/sst-platform";

/**
 * Runs `sst.config.ts` offline: SST's own components (the `.sst/platform` that `sst install`
 * unpacks from the pinned CLI) under Pulumi's mock monitor, with every provider call answered
 * here instead of by AWS. What the program asks to create is recorded, so tests can assert on
 * the real resource inputs SST would send to AWS.
 *
 * Three things the SST CLI normally provides are stood in for:
 * - the globals it defines when it bundles the config (`$app`, `$cli`, `$dev`, the `$`-helpers
 *   from `platform/src/shim/run.js`, and the `sst` and `aws` namespaces);
 * - its RPC server (`SST_SERVER`), which SST components call to build function code
 *   (`Runtime.Build`) and to find the bootstrap asset bucket (`Provider.Aws.Bootstrap`);
 * - the AWS provider, through `pulumi.runtime.setMocks`.
 */

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const PLATFORM = join(ROOT, ".sst", "platform");

export const ACCOUNT = "123456789012";
export const REGION = "us-east-1";
export const STAGE = "infratest";

export interface RecordedResource {
  type: string;
  /** Logical name (Pulumi URN name). */
  name: string;
  inputs: Record<string, any>;
  /** What the mock answered: inputs plus computed outputs such as `arn`. */
  state: Record<string, any>;
  id: string;
}

/** One function build request, as SST sends it to the CLI. */
export interface Build {
  functionID: string;
  handler: string;
  runtime: string;
  links: Record<string, Record<string, unknown>>;
  properties: { architecture?: string };
}

export interface Synth {
  resources: RecordedResource[];
  builds: Build[];
  /** Provider function calls (`aws.getRegion` …) the program made. */
  invokes: Array<{ token: string; inputs: Record<string, any> }>;
  outputs: Record<string, unknown>;
  /** Every resource of a type (`aws:sqs/queue:Queue`). */
  ofType(type: string): RecordedResource[];
  /** The resource whose `arn` is this. */
  byArn(arn: string): RecordedResource | undefined;
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** Pulumi hands secret values to mocks wrapped in `{ [SECRET_SIG]: …, value }`; the plain value. */
export function unwrap(value: any): any {
  if (Array.isArray(value)) return value.map(unwrap);
  if (value && typeof value === "object") {
    if (SECRET_SIG in value) return unwrap(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
  }
  return value;
}

function physical(name: string) {
  return `${STAGE}-${name}`.slice(0, 64);
}

/** Computed outputs AWS would return, for the resource types Herald's program reads back. */
function outputsFor(type: string, name: string, inputs: Record<string, any>) {
  const region = `${REGION}:${ACCOUNT}`;
  const named = inputs.name ?? physical(name);
  switch (type) {
    case "aws:sqs/queue:Queue":
      return {
        name: named,
        arn: `arn:aws:sqs:${region}:${named}`,
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${named}`,
      };
    case "aws:lambda/function:Function": {
      const arn = `arn:aws:lambda:${region}:function:${named}`;
      return {
        name: named,
        arn,
        qualifiedArn: `${arn}:$LATEST`,
        invokeArn: `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/${arn}/invocations`,
      };
    }
    case "aws:lambda/functionUrl:FunctionUrl":
      return { functionUrl: `https://${name.toLowerCase()}.lambda-url.${REGION}.on.aws/` };
    case "aws:iam/role:Role":
      return { name: named, arn: `arn:aws:iam::${ACCOUNT}:role/${named}` };
    case "aws:dynamodb/table:Table":
      return {
        name: named,
        arn: `arn:aws:dynamodb:${region}:table/${named}`,
        ...(inputs.streamEnabled
          ? {
              streamArn: `arn:aws:dynamodb:${region}:table/${named}/stream/2026-01-01T00:00:00.000`,
            }
          : {}),
      };
    case "aws:scheduler/scheduleGroup:ScheduleGroup":
      return { name: named, arn: `arn:aws:scheduler:${region}:schedule-group/${named}` };
    case "aws:sesv2/emailIdentity:EmailIdentity":
      return { arn: `arn:aws:ses:${region}:identity/${inputs.emailIdentity}` };
    case "aws:sesv2/configurationSet:ConfigurationSet":
      return { arn: `arn:aws:ses:${region}:configuration-set/${inputs.configurationSetName}` };
    case "aws:sns/topic:Topic":
      return { name: named, arn: `arn:aws:sns:${region}:${named}` };
    case "aws:apigatewayv2/api:Api":
      return {
        apiEndpoint: `https://${name.toLowerCase()}.execute-api.${REGION}.amazonaws.com`,
        executionArn: `arn:aws:execute-api:${region}:${name.toLowerCase()}`,
      };
    case "aws:appsync/api:Api": {
      const id = name.toLowerCase().padEnd(26, "x");
      return {
        apiId: id,
        apiArn: `arn:aws:appsync:${region}:apis/${id}`,
        dns: {
          HTTP: `${id}.appsync-api.${REGION}.amazonaws.com`,
          REALTIME: `${id}.appsync-realtime-api.${REGION}.amazonaws.com`,
        },
      };
    }
    case "random:index/randomBytes:RandomBytes":
      return { base64: Buffer.alloc(inputs.length ?? 32).toString("base64") };
    default:
      return { name: named, arn: `arn:aws:${type.split(":")[1]}:${region}:${named}` };
  }
}

type Statement = {
  effect?: string;
  actions?: string[];
  resources?: string[];
  principals?: Array<{ type: string; identifiers: string[] }>;
  conditions?: Array<{ test: string; variable: string; values: string[] }>;
};

/** What `aws.iam.getPolicyDocument` returns: the policy JSON for the given statements. */
function policyDocument(statements: Statement[] = []) {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: statements.map((s) => ({
      Effect: (s.effect ?? "allow").toLowerCase() === "deny" ? "Deny" : "Allow",
      Action: s.actions ?? [],
      ...(s.resources ? { Resource: s.resources } : {}),
      ...(s.principals
        ? {
            Principal: Object.fromEntries(s.principals.map((p) => [p.type, p.identifiers])),
          }
        : {}),
      ...(s.conditions?.length
        ? {
            Condition: s.conditions.reduce<Record<string, Record<string, string[]>>>((all, c) => {
              all[c.test] = { ...all[c.test], [c.variable]: c.values };
              return all;
            }, {}),
          }
        : {}),
    })),
  });
}

function invoke(token: string, inputs: Record<string, any>) {
  switch (token) {
    case "aws:index/getPartition:getPartition":
      return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
    case "aws:index/getRegion:getRegion":
      return { name: REGION, region: REGION, id: REGION };
    case "aws:index/getCallerIdentity:getCallerIdentity":
      return {
        accountId: ACCOUNT,
        arn: `arn:aws:iam::${ACCOUNT}:user/ci`,
        userId: "ci",
        id: ACCOUNT,
      };
    case "aws:iam/getPolicyDocument:getPolicyDocument":
      return { ...inputs, json: policyDocument(inputs.statements), id: "policy" };
    default:
      throw new Error(`The infra test has no answer for the provider call ${token}`);
  }
}

/** A stand-in for the SST CLI's RPC server. */
async function startCli(work: string, builds: Build[]) {
  const out = join(work, "bundle");
  mkdirSync(out, { recursive: true });
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => {
      body += chunk;
    });
    req.on("end", () => {
      const { method, params } = JSON.parse(body) as { method: string; params: [any] };
      const reply = (payload: unknown) => res.end(JSON.stringify(payload));
      if (method === "Provider.Aws.Bootstrap") {
        return reply({
          result: {
            asset: `sst-asset-${ACCOUNT}`,
            assetEcrRegistryId: ACCOUNT,
            assetEcrUrl: `${ACCOUNT}.dkr.ecr.${REGION}.amazonaws.com/sst-asset`,
            state: `sst-state-${ACCOUNT}`,
            appsyncHttp: "",
            appsyncRealtime: "",
          },
        });
      }
      if (method === "Runtime.Build") {
        const input = params[0] as Build;
        builds.push(input);
        // The real CLI bundles with esbuild; what is recorded is what it was asked to build.
        return reply({ result: { handler: input.handler, out, errors: [], sourcemaps: [] } });
      }
      return reply({ error: `rpc: can't find method ${method}` });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

function close(server: Server) {
  return new Promise<void>((resolve) => server.close(() => resolve()));
}

/**
 * Evaluate `sst.config.ts` for a stage under mocks and return what it created. Environment
 * variables in `env` (deploy settings, `SST_SECRET_*`) are set for the run. Stacks are modules
 * evaluated once per process, so each stage is synthesized in a test file of its own.
 */
export async function synth(env: Record<string, string>, stage = STAGE): Promise<Synth> {
  ensurePlatform(STAGE);
  // Only the given settings and secrets count, not whatever the shell running the tests has.
  for (const key of Object.keys(process.env)) {
    if (key.startsWith("HERALD_") || key.startsWith("SST_SECRET_")) delete process.env[key];
  }
  Object.assign(process.env, env);
  const work = mkdtempSync(join(tmpdir(), "herald-infra-"));
  const resources: RecordedResource[] = [];
  const builds: Build[] = [];
  const invokes: Synth["invokes"] = [];
  const server = await startCli(work, builds);
  process.env.SST_SERVER = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    const pulumi: any = await import(join(PLATFORM, "node_modules/@pulumi/pulumi/index.js"));
    await pulumi.runtime.setMocks(
      {
        newResource(args: any) {
          const state = { ...args.inputs, ...outputsFor(args.type, args.name, args.inputs) };
          const id = args.id || `${args.name}-id`;
          resources.push({ type: args.type, name: args.name, inputs: args.inputs, state, id });
          return { id, state };
        },
        call(args: any) {
          invokes.push({ token: args.token, inputs: args.inputs });
          return invoke(args.token, args.inputs);
        },
      },
      "herald",
      stage,
      false,
    );

    const globals = globalThis as Record<string, unknown>;
    globals.$dev = false;
    globals.$cli = {
      command: "deploy",
      rpc: process.env.SST_SERVER,
      paths: { home: work, root: ROOT, work, platform: PLATFORM },
      state: { version: {} },
    };
    Object.assign(globals, await import(join(PLATFORM, "src/shim/run.js")));
    const config = (await import(join(ROOT, "sst.config.ts"))).default;
    const app = await config.app({ stage });
    globals.$app = {
      name: app.name,
      stage,
      removal: app.removal ?? "retain",
      providers: app.providers,
      protect: Boolean(app.protect),
    };
    globals.sst = await import(join(PLATFORM, "src/components/index.ts"));
    globals.aws = await import(join(PLATFORM, "node_modules/@pulumi/aws/index.js"));

    const { run } = await import(join(PLATFORM, "src/auto/run.ts"));
    const cwd = process.cwd();
    const outputs = await pulumi.runtime.runInPulumiStack(() => run(config.run));
    process.chdir(cwd);
    await settle(pulumi, resources, () => resources.length + builds.length + invokes.length);

    return {
      resources,
      builds,
      invokes,
      outputs: outputs ?? {},
      ofType: (type) => resources.filter((r) => r.type === type),
      byArn: (arn) => resources.find((r) => r.state.arn === arn),
    };
  } finally {
    await close(server);
    rmSync(work, { recursive: true, force: true });
  }
}

/** Each SST component that is done has registered the resource it exists for. */
const CHILD: Record<string, (name: string) => string> = {
  "sst:aws:Function": (name) => `${name}Function`,
  "sst:aws:QueueLambdaSubscriber": (name) => `${name}EventSourceMapping`,
  "sst:aws:ApiGatewayV2LambdaRoute": (name) => `${name}Route`,
};

function complete(resources: RecordedResource[]) {
  const names = new Set(resources.map((r) => r.name));
  return resources.every((r) => {
    const child = CHILD[r.type];
    return !child || names.has(child(r.name));
  });
}

/**
 * SST creates many resources inside `Output.apply` callbacks, which Pulumi's mock monitor does
 * not wait for; wait until every component has its resources and nothing new has been
 * registered, built or invoked for a while.
 */
async function settle(pulumi: any, resources: RecordedResource[], count: () => number) {
  const deadline = Date.now() + 120_000;
  let last = -1;
  let quiet = 0;
  while (quiet < 10 || !complete(resources)) {
    if (Date.now() > deadline) throw new Error("The stacks did not finish registering resources");
    await pulumi.runtime.waitForRPCs?.();
    await new Promise((resolve) => setTimeout(resolve, 25));
    const now = count();
    quiet = now === last ? quiet + 1 : 0;
    last = now;
  }
}
