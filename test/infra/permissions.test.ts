import { join } from "node:path";
import { build } from "esbuild";
import { beforeAll, describe, expect, it } from "vitest";
import { ENV } from "./env";
import { type RecordedResource, ROOT, type Synth, synth, unwrap } from "./synth";

/**
 * IAM matches the code. Each function's handler is bundled the way SST bundles it (esbuild,
 * `@aws-sdk/*` external), so what is left of Herald's code after tree-shaking names exactly
 * the SDK commands the function can send and the links it can read. Each command must map to
 * an action its role is granted, on the resource it acts on; each link read must be linked.
 */

/**
 * What a bundle holds but its handler never calls, so its role is not granted it: code that
 * tree-shaking cannot drop because a module is imported as a namespace (`import * as
 * Notification`) or a shared middleware references it. Each entry is a debt of bundle size as
 * much as of clarity; the test below fails when an entry is no longer reachable, so this list
 * only shrinks. (Lean bundles, one verb per module, would empty it.)
 */
const SENDING = ["sqs:SendMessage", "scheduler:CreateSchedule", "scheduler:DeleteSchedule"];
const VERBS = "the Notification namespace carries send/force/cancel, which dispatch";
/** `Realtime.publish` publishes on AppSync Events; a bundle that only reads feeds holds it too. */
const SOCKET = "the Realtime namespace carries publish, which publishes on AppSync Events";
const PUBLISH = "appsync:EventPublish";
/** Cursor signing (`derivedKey`, from the webhook signing key) rides along with the list verbs. */
const CURSORS = "the Notification namespace carries list/inbox, whose cursors are signed";
const REACHABLE_NOT_CALLED: Record<string, { actions?: string[]; links?: string[]; why: string }> =
  {
    "functions/api/docs.handler": {
      actions: [
        ...SENDING,
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:DeleteItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
        PUBLISH,
      ],
      links: ["Table", "Queues", "Scheduler", "Upstash", "Realtime", "Webhooks", "Events"],
      why: "the OpenAPI document imports the domain namespaces for their zod schemas",
    },
    "functions/api/tokens.handler": {
      actions: [
        "dynamodb:GetItem",
        "dynamodb:PutItem",
        "dynamodb:UpdateItem",
        "dynamodb:Query",
        "dynamodb:BatchWriteItem",
        "dynamodb:BatchGetItem",
      ],
      why: "the Realtime namespace carries feed replay (table reads) besides token issuing",
    },
    "functions/api/notifications/list.handler": {
      actions: [...SENDING, PUBLISH],
      links: ["Queues", "Scheduler", "Events"],
      why: `${VERBS}; ${SOCKET}`,
    },
    "functions/stream.handler": { links: ["Events"], why: SOCKET },
    "functions/api/recipients.handler": {
      // A read or seen mark on a workflow step skips the steps it stops: DeleteSchedule, and
      // SendMessage for their status callbacks, are called.
      actions: ["scheduler:CreateSchedule"],
      why: VERBS,
    },
    "functions/api/inbox.handler": {
      actions: ["scheduler:CreateSchedule"],
      why: VERBS,
    },
    "functions/api/workflows.handler": { links: ["Webhooks"], why: CURSORS },
    "functions/api/notifications/send.handler": { links: ["Webhooks"], why: CURSORS },
    "functions/api/notifications/batch.handler": { links: ["Webhooks"], why: CURSORS },
    "functions/workers/fanout.handler": { links: ["Webhooks"], why: CURSORS },
    "functions/api/notifications/by-id.handler": { links: ["Webhooks"], why: CURSORS },
    "functions/dead-letter.handler": {
      // sqs:SendMessage is called: a status change enqueues its callbacks.
      actions: ["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
      links: ["Scheduler", "Webhooks"],
      why: `the dispatch module (retries) rides along with the lifecycle verbs, and a workflow step's outcome (loaded only for one) with the manage verbs; ${CURSORS}`,
    },
    "functions/feedback.handler": {
      // DeleteSchedule is called (a delivered workflow step stops the later steps).
      actions: ["scheduler:CreateSchedule"],
      links: ["Webhooks"],
      why: `${VERBS}; ${CURSORS}`,
    },
  };

/** The IAM service prefix of each SDK package Herald uses. */
const SERVICE: Record<string, string> = {
  "@aws-sdk/client-dynamodb": "dynamodb",
  "@aws-sdk/lib-dynamodb": "dynamodb",
  "@aws-sdk/client-sqs": "sqs",
  "@aws-sdk/client-scheduler": "scheduler",
  "@aws-sdk/client-sesv2": "ses",
  "@aws-sdk/client-pinpoint-sms-voice-v2": "sms-voice",
};

/** lib-dynamodb's document commands and the DynamoDB operations they send. */
const DOCUMENT: Record<string, string> = {
  Get: "GetItem",
  Put: "PutItem",
  Update: "UpdateItem",
  Delete: "DeleteItem",
  Query: "Query",
  Scan: "Scan",
  BatchGet: "BatchGetItem",
  BatchWrite: "BatchWriteItem",
  TransactGet: "TransactGetItems",
  TransactWrite: "TransactWriteItems",
};

/** Batch operations IAM authorizes as their single counterpart. */
const BATCHED: Record<string, string> = { "sqs:SendMessageBatch": "SendMessage" };

/** Actions an event-source mapping performs with the function's role, for each queue it reads. */
const CONSUMER = ["sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:GetQueueAttributes"];

interface Needs {
  actions: Set<string>;
  links: Set<string>;
}

/** What the bundle of `handler` can do: IAM actions of the SDK commands left in it, links read. */
async function needsOf(handler: string): Promise<Needs> {
  const entry = join(ROOT, `${handler.slice(0, handler.lastIndexOf("."))}.ts`);
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    platform: "node",
    target: "node22",
    format: "esm",
    external: ["@aws-sdk/*"],
    logLevel: "silent",
    outfile: "out.mjs",
  });
  const text = result.outputFiles[0]?.text ?? "";
  const actions = new Set<string>();
  for (const [, names = "", pkg = ""] of text.matchAll(
    /import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/[^"]+)"/g,
  )) {
    const service = SERVICE[pkg];
    for (const name of names.split(",").map((n) => n.trim().split(/\s+as\s+/)[0] ?? "")) {
      if (!name.endsWith("Command")) continue;
      expect(service, `${handler}: no IAM service known for ${pkg}`).toBeDefined();
      const operation = name.slice(0, -"Command".length);
      const action =
        pkg === "@aws-sdk/lib-dynamodb"
          ? DOCUMENT[operation]
          : // SQS authorizes a SendMessageBatch as SendMessage.
            (BATCHED[`${service}:${operation}`] ?? operation);
      expect(action, `${handler}: ${name}`).toBeDefined();
      actions.add(`${service}:${action}`);
    }
  }
  const links = new Set([...text.matchAll(/\blink\d*\("(\w+)"\)/g)].map((m) => m[1] as string));
  if (/\bqueueFor\d*\(/.test(text)) links.add("Queues");
  // AppSync Events has no SDK client: a bundle that can sign a publish (aws/events.ts) needs it.
  if (/\bpublishEvents\d*\(/.test(text)) actions.add("appsync:EventPublish");
  return { actions, links };
}

const list = (value: unknown): string[] =>
  value === undefined ? [] : Array.isArray(value) ? value : [String(value)];

interface Grant {
  actions: string[];
  resources: string[];
}

let s: Synth;
let functions: Array<{ fn: RecordedResource; handler: string; grants: Grant[]; queues: string[] }>;

beforeAll(async () => {
  s = await synth(ENV);
  const roles = s.ofType("aws:iam/role:Role");
  const mappings = s
    .ofType("aws:lambda/eventSourceMapping:EventSourceMapping")
    .map((m) => unwrap(m.inputs));
  functions = s.ofType("aws:lambda/function:Function").map((fn) => {
    const inputs = unwrap(fn.inputs);
    const role = roles.find((r) => r.state.arn === inputs.role);
    const grants = ((unwrap(role?.inputs)?.inlinePolicies ?? []) as Array<{ policy: string }>)
      .flatMap((p) => JSON.parse(p.policy).Statement as Array<Record<string, unknown>>)
      .filter((st) => st.Effect === "Allow")
      .map((st) => ({ actions: list(st.Action), resources: list(st.Resource) }));
    // The queues it consumes (a table stream's mapping reads with SST's own grant, checked
    // in stacks.test.ts).
    const queues = mappings
      .filter((m) => m.functionName === fn.state.arn)
      .map((m) => m.eventSourceArn as string)
      .filter((arn) => arn.startsWith("arn:aws:sqs:"));
    return { fn, handler: inputs.handler as string, grants, queues };
  });
}, 300_000);

/** Where each action must be granted: the table, the function's queues, Herald's schedules. */
function resourcesFor(action: string, queues: string[]): RegExp[] {
  const [service] = action.split(":");
  const table = s.ofType("aws:dynamodb/table:Table")[0]?.state.arn as string;
  const channelQueues = s
    .ofType("aws:sqs/queue:Queue")
    .map((q) => q.state.arn as string)
    .filter((arn) => !/Dlq/.test(arn));
  switch (service) {
    case "dynamodb":
      return [new RegExp(`^${table}$`)];
    case "sqs":
      return CONSUMER.includes(action) || action === "sqs:ChangeMessageVisibility"
        ? queues.map((arn) => new RegExp(`^${arn}$`))
        : channelQueues.map((arn) => new RegExp(`^${arn}$`));
    case "scheduler":
      return [/^arn:aws:scheduler:[^:]+:\d+:schedule\/herald-[a-z0-9-]+-schedules\/\*$/];
    case "ses":
      return [/^arn:aws:ses:[^:]+:\d+:identity\/.+$/];
    case "appsync": {
      const api = s.ofType("aws:appsync/api:Api")[0];
      return [new RegExp(`^${api?.state.apiArn}/channelNamespace/feed$`)];
    }
    case "sms-voice":
      return [/^arn:aws:sms-voice:[^:]+:\d+:(phone-number|pool|sender-id)\/.+$/];
    default:
      throw new Error(`No resource rule for ${action}`);
  }
}

describe("IAM matches the code", () => {
  it("bundles every function it checks", () => {
    expect(functions.length).toBeGreaterThan(10);
  });

  it("grants every SDK command a function can send, on the resources it acts on", async () => {
    const missing: string[] = [];
    for (const { handler, grants, queues } of functions) {
      const needs = await needsOf(handler);
      const uncalled = REACHABLE_NOT_CALLED[handler]?.actions ?? [];
      const actions = new Set([...needs.actions, ...(queues.length ? CONSUMER : [])]);
      for (const action of actions) {
        if (uncalled.includes(action)) continue;
        const granted = grants.filter((g) => g.actions.includes(action));
        if (!granted.length) {
          missing.push(`${handler}: ${action} is not granted`);
          continue;
        }
        for (const resource of resourcesFor(action, queues)) {
          if (!granted.some((g) => g.resources.some((r) => resource.test(r)))) {
            missing.push(`${handler}: ${action} is not granted on ${resource.source}`);
          }
        }
      }
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it("links every resource a function's code reads", async () => {
    const missing: string[] = [];
    for (const { handler } of functions) {
      const needs = await needsOf(handler);
      const linked = Object.keys(s.builds.find((b) => b.handler === handler)?.links ?? {});
      const uncalled = REACHABLE_NOT_CALLED[handler]?.links ?? [];
      for (const name of needs.links) {
        if (uncalled.includes(name)) continue;
        if (!linked.includes(name)) missing.push(`${handler} reads ${name}, which is not linked`);
      }
    }
    expect(missing).toEqual([]);
  }, 120_000);

  it("lists as reachable-but-uncalled only what the bundles still hold", async () => {
    const stale: string[] = [];
    for (const [handler, { actions = [], links = [] }] of Object.entries(REACHABLE_NOT_CALLED)) {
      const needs = await needsOf(handler);
      for (const action of actions)
        if (!needs.actions.has(action)) stale.push(`${handler} ${action}`);
      for (const link of links) if (!needs.links.has(link)) stale.push(`${handler} ${link}`);
    }
    expect(stale).toEqual([]);
  }, 120_000);
});
