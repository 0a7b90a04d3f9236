import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as manifest from "../../functions/manifest";
import { schema } from "../../packages/core/src/table";
import { ENV } from "./env";
import {
  ACCOUNT,
  type Build,
  REGION,
  type RecordedResource,
  ROOT,
  type Synth,
  synth,
  unwrap,
} from "./synth";

/**
 * The AWS stacks, evaluated offline: `sst.config.ts` runs with SST's real components under
 * Pulumi mocks (see `synth.ts`), and these tests read what it would ask AWS to create.
 * (`npm run typecheck` type-checks sst.config.ts and stacks/ against the SST platform types.)
 */

/**
 * IAM resources with a wildcard that are allowed, and why. Anything else with a `*` fails.
 * (No statement may use a bare `*` resource: every action Herald uses has resource-level
 * permissions.)
 */
const WILDCARD_EXCEPTIONS: Array<{ pattern: RegExp; reason: string }> = [
  {
    pattern: new RegExp(
      `^arn:aws:scheduler:${REGION}:${ACCOUNT}:schedule/herald-[a-z0-9-]+-schedules/\\*$`,
    ),
    reason:
      "one-time schedules are named after notifications at run time; scoped to Herald's group",
  },
  {
    pattern: new RegExp(
      `^arn:aws:sms-voice:${REGION}:${ACCOUNT}:(phone-number|pool|sender-id|opt-out-list)/\\*$`,
    ),
    reason: "End User Messaging picks the origination identity at send time; scoped to the account",
  },
  {
    pattern: new RegExp(`^arn:aws:ses:${REGION}:${ACCOUNT}:identity/\\*$`),
    reason: "only with HERALD_SES_SANDBOX=true: in the sandbox SES also authorizes the recipient",
  },
];

/** AWS managed policies a role may carry, and why. */
const MANAGED_POLICY_EXCEPTIONS = new Set([
  // The account's API Gateway logging role, which SST creates for a WebSocket API when the
  // account has none: AWS's own policy for API Gateway writing access logs.
  "arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs",
  // SST attaches it to every function role: logs:CreateLogGroup/CreateLogStream/PutLogEvents on
  // "*", AWS's own policy for a function writing its logs.
  "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole",
]);

/** Routes that may be called without an API key: liveness, the API docs, and the 404 catch-all. */
const PUBLIC_ROUTES = new Set(["GET /health", "GET /openapi.json", "GET /docs", "$default"]);
/** Routes the handler authenticates itself, with a recipient token (functions/api/inbox.ts). */
const RECIPIENT_TOKEN_ROUTES = new Set(
  manifest.routes
    .filter((route) => route.handler === "functions/api/inbox.handler")
    .map((route) => route.route),
);
/** No API key, but a credential of their own: the URL's signed token. */
const SIGNED_ROUTES = new Set([
  "POST /v1/unsubscribe/{token}",
  // The recipient's preference page: a signed link.
  "GET /v1/preferences/{token}",
  "POST /v1/preferences/{token}",
]);

type Statement = {
  Effect: string;
  Action: string | string[];
  Resource?: string | string[];
  Principal?: Record<string, string | string[]>;
  Condition?: Record<string, Record<string, string[]>>;
};

const list = (value: string | string[] | undefined) =>
  value === undefined ? [] : Array.isArray(value) ? value : [value];

let s: Synth;
const inputs = (r: RecordedResource) => unwrap(r.inputs);
const lambdas = () => s.ofType("aws:lambda/function:Function");
const queues = () => s.ofType("aws:sqs/queue:Queue");
const channels = Object.keys(manifest.workers) as Array<keyof typeof manifest.workers>;

function buildOf(handler: string): Build {
  const build = s.builds.find((b) => b.handler === handler);
  if (!build) throw new Error(`No function builds ${handler}`);
  return build;
}

/** The channel queues as linked to the code (`Resource.Queues`, less the `type` SST adds). */
function queuesLink() {
  const { type: _type, ...link } = buildOf(manifest.workers.email).links.Queues ?? {};
  return link as Record<string, { url: string; arn: string; dlq: string }>;
}

function fnByArn(arn: string) {
  const fn = s.byArn(arn);
  expect(fn?.type, `no function ${arn}`).toBe("aws:lambda/function:Function");
  return fn as RecordedResource;
}

/** Every policy statement attached to a role, with where it came from. */
function policies() {
  return s.ofType("aws:iam/role:Role").map((role) => {
    const { inlinePolicies = [], assumeRolePolicy, managedPolicyArns = [] } = inputs(role);
    return {
      role,
      trust: (typeof assumeRolePolicy === "string"
        ? JSON.parse(assumeRolePolicy)
        : assumeRolePolicy
      ).Statement as Statement[],
      managed: managedPolicyArns as string[],
      statements: (inlinePolicies as Array<{ policy: string }>).flatMap(
        (p) => JSON.parse(p.policy).Statement as Statement[],
      ),
    };
  });
}

/** Source files under a folder, tests excluded. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith(".ts") && !path.endsWith(".test.ts") ? [path] : [];
  });
}

beforeAll(async () => {
  s = await synth(ENV);
}, 300_000);

describe("queues", () => {
  it("name each channel's dead-letter queue in the link, for schedules to fall back to", () => {
    const link = queuesLink();
    for (const channel of channels) {
      const queue = queues().find((q) => q.state.arn === link[channel]?.arn);
      const redrive = JSON.parse(inputs(queue as RecordedResource).redrivePolicy);
      expect(link[channel]?.dlq, channel).toBe(redrive.deadLetterTargetArn);
    }
  });

  it("gives every channel a queue that redrives to its own dead-letter queue", () => {
    const link = queuesLink();
    // Every channel's queue, the status callbacks' and the topic fan-out's (not channels).
    const names = [...channels, manifest.callbacks.queue, manifest.fanout.queue];
    expect(Object.keys(link).sort()).toEqual([...names].sort());
    const dlqs = new Set<string>();
    for (const channel of names) {
      const queue = s.byArn(link[channel]?.arn ?? "");
      expect(queue?.type, `${channel} queue`).toBe("aws:sqs/queue:Queue");
      const { redrivePolicy, visibilityTimeoutSeconds } = inputs(queue as RecordedResource);
      expect(redrivePolicy, `${channel} queue has no redrive policy`).toBeTruthy();
      const redrive = JSON.parse(redrivePolicy);
      expect(redrive.maxReceiveCount).toBe(manifest.queueSettings.maxReceiveCount);
      expect(visibilityTimeoutSeconds).toBe(manifest.queueSettings.visibilityTimeoutSeconds);

      const dlq = s.byArn(redrive.deadLetterTargetArn);
      expect(dlq?.type, `${channel} dead-letter queue`).toBe("aws:sqs/queue:Queue");
      expect(dlq).not.toBe(queue);
      expect(inputs(dlq as RecordedResource).redrivePolicy).toBeFalsy();
      dlqs.add(redrive.deadLetterTargetArn);
    }
    expect(dlqs.size, "each queue has its own dead-letter queue").toBe(names.length);
    expect(queues(), "no queue outside these queues and their DLQs").toHaveLength(names.length * 2);
  });

  it("consumes every queue with one mapping that reports batch item failures", () => {
    const link = queuesLink();
    const mappings = s
      .ofType("aws:lambda/eventSourceMapping:EventSourceMapping")
      .map(inputs)
      .filter((m) => String(m.eventSourceArn).startsWith("arn:aws:sqs:"));
    // The callback and fan-out dead-letter queues have no consumer (alarms watch their depth).
    const unconsumed = [manifest.callbacks.queue, manifest.fanout.queue].map((q) => link[q]?.dlq);
    const consumed = queues().filter((q) => !unconsumed.includes(q.state.arn as string));
    expect(mappings).toHaveLength(consumed.length);
    for (const queue of consumed) {
      const arn = queue.state.arn as string;
      const consumers = mappings.filter((m) => m.eventSourceArn === arn);
      expect(consumers, `mappings of ${queue.name}`).toHaveLength(1);
      const mapping = consumers[0];
      expect(mapping.functionResponseTypes).toEqual(["ReportBatchItemFailures"]);
      expect(mapping.batchSize).toBe(manifest.queueSettings.batchSize);
      expect(mapping.maximumBatchingWindowInSeconds).toBe(
        manifest.queueSettings.batchingWindowSeconds,
      );

      const fn = inputs(fnByArn(mapping.functionName));
      const channel = channels.find((c) => link[c]?.arn === arn);
      expect(fn.handler).toBe(
        channel
          ? manifest.workers[channel]
          : arn === link[manifest.callbacks.queue]?.arn
            ? manifest.callbacks.worker
            : arn === link[manifest.fanout.queue]?.arn
              ? manifest.fanout.worker
              : manifest.deadLetter,
      );
      // Lambda refuses a mapping whose queue hides messages for less than the function runs.
      expect(inputs(queue).visibilityTimeoutSeconds).toBeGreaterThanOrEqual(fn.timeout);
    }
  });

  it("runs the workers with the manifest's timeout and a lease that outlives it", () => {
    for (const channel of channels) {
      const fn = lambdas().find((f) => inputs(f).handler === manifest.workers[channel]);
      expect(fn, `${channel} worker`).toBeDefined();
      const { timeout, environment } = inputs(fn as RecordedResource);
      expect(timeout).toBe(manifest.queueSettings.workerTimeoutSeconds);
      expect(Number(environment.variables.HERALD_LEASE_SECONDS)).toBeGreaterThanOrEqual(timeout);
    }
  });
});

describe("IAM", () => {
  it("names the resources of every grant (documented exceptions only)", () => {
    const offenders: string[] = [];
    for (const { role, statements, managed } of policies()) {
      for (const statement of statements) {
        for (const action of list(statement.Action)) {
          if (action === "*" || action.endsWith(":*")) offenders.push(`${role.name}: ${action}`);
        }
        const resources = list(statement.Resource);
        if (resources.length === 0) offenders.push(`${role.name}: statement without resources`);
        for (const resource of resources) {
          if (!resource.includes("*")) continue;
          if (WILDCARD_EXCEPTIONS.some((e) => e.pattern.test(resource))) continue;
          offenders.push(`${role.name}: ${list(statement.Action).join(",")} on ${resource}`);
        }
      }
      for (const arn of managed) {
        if (!MANAGED_POLICY_EXCEPTIONS.has(arn)) offenders.push(`${role.name}: managed ${arn}`);
      }
    }
    expect(offenders).toEqual([]);
  });

  it("lets only Lambda assume the function roles", () => {
    for (const { role, trust } of policies()) {
      if (role.name === "SchedulerRole") continue;
      // SST's account-level role for API Gateway access logs (WebSocket APIs need one).
      if (role.name === "APIGatewayPushToCloudWatchLogsRole") {
        expect(trust[0]?.Principal).toEqual({ Service: "apigateway.amazonaws.com" });
        continue;
      }
      expect(trust, role.name).toHaveLength(1);
      expect(trust[0], role.name).toMatchObject({ Effect: "Allow", Action: "sts:AssumeRole" });
      expect(trust[0]?.Principal, role.name).toEqual({ Service: "lambda.amazonaws.com" });
    }
  });

  it("lets the scheduler role do nothing but send to the channel queues and their DLQs", () => {
    const link = queuesLink();
    const trusted = policies().filter(({ trust }) =>
      trust.some((t) => list(t.Principal?.Service).includes("scheduler.amazonaws.com")),
    );
    expect(trusted).toHaveLength(1);
    const { role, trust, statements, managed } = trusted[0]!;
    expect(trust.map((t) => list(t.Principal?.Service))).toEqual([["scheduler.amazonaws.com"]]);
    expect(trust[0]?.Condition?.StringEquals?.["aws:SourceAccount"]).toEqual([ACCOUNT]);
    expect(managed).toEqual([]);
    expect(statements).toHaveLength(1);
    expect(statements[0]?.Effect).toBe("Allow");
    expect(list(statements[0]?.Action)).toEqual(["sqs:SendMessage"]);
    expect(list(statements[0]?.Resource).sort()).toEqual(
      channels.flatMap((c) => [link[c]?.arn, link[c]?.dlq]).sort(),
    );

    // The API passes exactly this role to Scheduler, and only to Scheduler.
    const scheduler = buildOf("functions/api/notifications/send.handler").links.Scheduler;
    expect(scheduler?.roleArn).toBe(role.state.arn);
    const passes = policies().flatMap(({ statements }) =>
      statements.filter((st) => list(st.Action).includes("iam:PassRole")),
    );
    expect(passes.length).toBeGreaterThan(0);
    for (const pass of passes) {
      expect(list(pass.Resource)).toEqual([role.state.arn]);
      expect(pass.Condition?.StringEquals?.["iam:PassedToService"]).toEqual([
        "scheduler.amazonaws.com",
      ]);
    }
  });
});

/** Routes of the HTTP API or of the WebSocket API. */
function routesOf(protocol: "HTTP" | "WEBSOCKET") {
  const api = s.ofType("aws:apigatewayv2/api:Api").find((a) => inputs(a).protocolType === protocol);
  expect(api, protocol).toBeDefined();
  return s
    .ofType("aws:apigatewayv2/route:Route")
    .map(inputs)
    .filter((r) => r.apiId === api?.id);
}

describe("API", () => {
  it("serves the WebSocket feed on AppSync Events: tokens connect and subscribe, only IAM publishes", () => {
    const [api] = s.ofType("aws:appsync/api:Api");
    expect(api).toBeDefined();
    const config = inputs(api as RecordedResource).eventConfig;
    const authorizerArn = config.authProviders.find(
      (p: { authType: string }) => p.authType === "AWS_LAMBDA",
    )?.lambdaAuthorizerConfig?.authorizerUri;
    const authorizer = inputs(fnByArn(authorizerArn));
    expect(authorizer.handler).toBe(manifest.socket.authorizer);
    expect(Object.keys(buildOf(manifest.socket.authorizer).links).sort()).toEqual(
      [...manifest.socket.links].sort(),
    );
    expect(config.connectionAuthModes).toEqual([{ authType: "AWS_LAMBDA" }]);
    expect(config.defaultSubscribeAuthModes).toEqual([{ authType: "AWS_LAMBDA" }]);
    expect(config.defaultPublishAuthModes).toEqual([{ authType: "AWS_IAM" }]);
    const namespaces = s.ofType("aws:appsync/channelNamespace:ChannelNamespace").map(inputs);
    expect(namespaces.map((n) => n.name)).toEqual(["feed"]);
    // No namespace overrides the API's auth modes (a token must never publish).
    for (const n of namespaces) expect(n.publishAuthModes).toBeUndefined();
    const invoke = s
      .ofType("aws:lambda/permission:Permission")
      .map(inputs)
      .find((p) => p.principal === "appsync.amazonaws.com");
    expect(invoke?.sourceArn).toBe((api as RecordedResource).state.apiArn);
  });

  it("serves exactly the manifest's routes, each with its handler", () => {
    const routes = routesOf("HTTP");
    expect(routes.map((r) => r.routeKey).sort()).toEqual(
      manifest.routes.map((r) => r.route).sort(),
    );
    for (const spec of manifest.routes) {
      const route = routes.find((r) => r.routeKey === spec.route);
      const integrationId = String(route?.target).replace("integrations/", "");
      const integration = s
        .ofType("aws:apigatewayv2/integration:Integration")
        .find((i) => i.id === integrationId);
      expect(integration, spec.route).toBeDefined();
      const fn = inputs(fnByArn(inputs(integration as RecordedResource).integrationUri));
      expect(fn.handler, spec.route).toBe(spec.handler);
    }
  });

  it("puts the API key authorizer on every route but the public ones", () => {
    const [authorizer] = s.ofType("aws:apigatewayv2/authorizer:Authorizer");
    expect(authorizer).toBeDefined();
    const open: string[] = [];
    for (const route of routesOf("HTTP")) {
      const spec = manifest.routes.find((r) => r.route === route.routeKey);
      if (spec?.auth === false) {
        open.push(route.routeKey);
        expect(route.authorizationType ?? "NONE").toBe("NONE");
      } else {
        expect(route.authorizationType, route.routeKey).toBe("CUSTOM");
        expect(route.authorizerId, route.routeKey).toBe(authorizer?.id);
      }
    }
    expect(
      open.every(
        (route) =>
          PUBLIC_ROUTES.has(route) || RECIPIENT_TOKEN_ROUTES.has(route) || SIGNED_ROUTES.has(route),
      ),
      open.join(", "),
    ).toBe(true);
    expect(open).toContain("GET /health");
  });

  it("logs JSON, without Lambda's START/END/REPORT lines, and a compact access log", () => {
    for (const fn of lambdas()) {
      expect(inputs(fn).loggingConfig, String(inputs(fn).handler)).toMatchObject({
        logFormat: "JSON",
        systemLogLevel: "WARN",
        applicationLogLevel: "INFO",
      });
    }
    const [stage] = s.ofType("aws:apigatewayv2/stage:Stage").map(inputs);
    expect(stage.accessLogSettings.format).toBe(manifest.accessLogFormat);
  });

  it("authorizes from the Authorization header with simple responses", () => {
    const authorizer = inputs(s.ofType("aws:apigatewayv2/authorizer:Authorizer")[0]!);
    expect(authorizer).toMatchObject({
      authorizerType: "REQUEST",
      identitySources: ["$request.header.Authorization"],
      enableSimpleResponses: true,
      authorizerPayloadFormatVersion: "2.0",
      authorizerResultTtlInSeconds: manifest.authorizerCacheSeconds,
    });
    const invokeArn = String(authorizer.authorizerUri);
    const fn = lambdas().find((f) => invokeArn.includes(`/functions/${f.state.arn}/`));
    expect(fn && inputs(fn).handler).toBe(manifest.authorizer);
  });

  it("streams the real-time feed from a function URL, with a capped share of concurrency", () => {
    const [url] = s.ofType("aws:lambda/functionUrl:FunctionUrl").map(inputs);
    expect(url?.invokeMode).toBe("RESPONSE_STREAM");
    const fn = lambdas().find((f) => f.state.name === url?.functionName);
    expect(fn && inputs(fn).handler).toBe(manifest.stream);
    // Open connections hold an instance each: without a cap they could take the account's
    // whole concurrency and throttle the workers and the API.
    expect(fn && inputs(fn).reservedConcurrentExecutions).toBeGreaterThan(0);
    expect(fn && inputs(fn).memorySize).toBe(256);
  });

  it("links each handler to what its routes declare and nothing more", () => {
    for (const handler of new Set(manifest.routes.map((r) => r.handler))) {
      const specs = manifest.routes.filter((r) => r.handler === handler);
      const expected = new Set(specs.flatMap((r) => r.links ?? []));
      if (specs.some((r) => r.auth !== false)) expected.add("Upstash");
      expect(Object.keys(buildOf(handler).links).sort(), handler).toEqual([...expected].sort());
    }
    // The public routes reach nothing: no table, no schedules, no signing keys.
    for (const route of PUBLIC_ROUTES) {
      const spec = manifest.routes.find((r) => r.route === route);
      expect(Object.keys(buildOf(spec?.handler ?? "").links), route).toEqual([]);
    }
  });
});

describe("table", () => {
  it("matches the local cloud's keys and has every index the code queries", () => {
    const [table] = s.ofType("aws:dynamodb/table:Table").map(inputs);
    expect(table).toMatchObject({ hashKey: "pk", rangeKey: "sk", billingMode: "PAY_PER_REQUEST" });
    const queried = new Set(
      sources(join(ROOT, "packages/core/src")).flatMap((file) =>
        [...readFileSync(file, "utf8").matchAll(/["'](gsi\d+)["']/g)].map((m) => m[1] as string),
      ),
    );
    expect(queried.size).toBeGreaterThan(0);
    const indexes = table.globalSecondaryIndexes as Array<Record<string, string>>;
    for (const name of queried) {
      expect(
        indexes.find((i) => i.name === name),
        name,
      ).toMatchObject({
        hashKey: `${name}pk`,
        rangeKey: `${name}sk`,
        projectionType: schema.indexes[name as keyof typeof schema.indexes].projection
          .toUpperCase()
          .replace("-", "_"),
      });
    }
    for (const attribute of table.attributes) expect(attribute.type).toBe("S");
  });

  it("is the one packages/core/src/table.ts declares: keys, indexes, projections, TTL", () => {
    const [table] = s.ofType("aws:dynamodb/table:Table").map(inputs);
    expect([table.hashKey, table.rangeKey]).toEqual([schema.partitionKey, schema.sortKey]);
    const indexes = (table.globalSecondaryIndexes as Array<Record<string, string>>).map((i) => [
      i.name,
      i.hashKey,
      i.rangeKey,
      i.projectionType,
    ]);
    expect(indexes.sort()).toEqual(
      Object.entries(schema.indexes)
        .map(([name, i]) => [
          name,
          i.partitionKey,
          i.sortKey,
          i.projection.toUpperCase().replace("-", "_"),
        ])
        .sort(),
    );
    expect(table.ttl).toEqual({ attributeName: schema.ttl, enabled: true });
  });

  it("streams new items to the counter function: INSERTs of notifications, in the manifest's batches", () => {
    const [table] = s.ofType("aws:dynamodb/table:Table");
    expect(inputs(table as RecordedResource)).toMatchObject({
      streamEnabled: true,
      streamViewType: "NEW_IMAGE",
    });
    const streamArn = (table as RecordedResource).state.streamArn as string;
    const mappings = s
      .ofType("aws:lambda/eventSourceMapping:EventSourceMapping")
      .map(inputs)
      .filter((m) => m.eventSourceArn === streamArn);
    expect(mappings).toHaveLength(1);
    const [mapping] = mappings;
    expect(mapping).toMatchObject({
      batchSize: manifest.counter.batchSize,
      maximumBatchingWindowInSeconds: manifest.counter.batchingWindowSeconds,
      maximumRetryAttempts: manifest.counter.maximumRetryAttempts,
      startingPosition: "LATEST",
    });
    expect(
      mapping.filterCriteria.filters.map((f: { pattern: string }) => JSON.parse(f.pattern)),
    ).toEqual(manifest.counter.filters);
    const fn = inputs(fnByArn(mapping.functionName));
    expect(fn.handler).toBe(manifest.counter.handler);
    expect(fn.timeout).toBe(manifest.counter.timeoutSeconds);
    // Its counter writes through the Table link; the stream reads, on this stream only.
    expect(Object.keys(buildOf(manifest.counter.handler).links)).toEqual(["Table"]);
    const role = policies().find((p) => p.role.state.arn === fn.role);
    const reads = role?.statements.find((st) => list(st.Action).includes("dynamodb:GetRecords"));
    expect(list(reads?.Resource)).toEqual([streamArn]);
  });

  it("expires items by expires_at and keeps point-in-time recovery", () => {
    const [table] = s.ofType("aws:dynamodb/table:Table").map(inputs);
    expect(table.ttl).toEqual({ attributeName: "expires_at", enabled: true });
    expect(table.pointInTimeRecovery).toMatchObject({ enabled: true });
  });
});

describe("functions", () => {
  it("run on arm64 with a current Node.js runtime", () => {
    expect(lambdas().length).toBeGreaterThan(0);
    for (const fn of lambdas().map(inputs)) {
      expect(fn.architectures, fn.handler).toEqual(["arm64"]);
      expect(["nodejs22.x", "nodejs24.x"], fn.handler).toContain(fn.runtime);
    }
  });

  it("ship source maps, and Node uses them for stack traces", () => {
    for (const build of s.builds) {
      expect((build.properties as { sourcemap?: boolean }).sourcemap, build.handler).toBe(true);
    }
    for (const fn of lambdas().map(inputs)) {
      expect(fn.environment?.variables?.NODE_OPTIONS, fn.handler).toContain("--enable-source-maps");
    }
  });

  it("build handlers that exist", () => {
    const missing = s.builds.filter(({ handler }) => {
      const dot = handler.lastIndexOf(".");
      const file = join(ROOT, `${handler.slice(0, dot)}.ts`);
      const name = handler.slice(dot + 1);
      return !(
        existsSync(file) &&
        new RegExp(`export\\s+(const|async\\s+function|function)\\s+${name}\\b`).test(
          readFileSync(file, "utf8"),
        )
      );
    });
    expect(missing.map((b) => b.handler)).toEqual([]);
  });

  it("are linked to resources in the shapes packages/core/src/config.ts parses", async () => {
    const links = new Map<string, unknown>();
    for (const build of s.builds) {
      for (const [name, value] of Object.entries(build.links)) links.set(name, value);
    }
    // Everything the code reads is linked somewhere…
    const read = new Set(
      [...sources(join(ROOT, "packages/core/src")), ...sources(join(ROOT, "functions"))].flatMap(
        (file) =>
          [...readFileSync(file, "utf8").matchAll(/\blink\("(\w+)"\)/g)].map((m) => m[1] as string),
      ),
    );
    for (const name of read) expect(links.has(name), `nothing links ${name}`).toBe(true);

    // …and what is linked passes the code's own schemas.
    process.env.SST_RESOURCE_App = JSON.stringify({ name: "herald", stage: "infratest" });
    for (const [name, value] of links) process.env[`SST_RESOURCE_${name}`] = JSON.stringify(value);
    const config = await import("../../packages/core/src/config");
    for (const name of links.keys()) {
      expect(() => config.link(name as never), name).not.toThrow();
    }
    expect(config.link("App")).toEqual({ name: "herald", stage: "infratest" });
  });

  it("give each worker what its channel needs", () => {
    const needs: Record<(typeof channels)[number], string[]> = {
      email: ["Email"],
      push: ["Vapid"],
      sms: ["Sms"],
      webhook: ["Webhooks"],
      in_app: [],
    };
    for (const channel of channels) {
      const names = Object.keys(buildOf(manifest.workers[channel]).links);
      expect(names, channel).toEqual(
        expect.arrayContaining(["Table", "Queues", "Upstash", ...needs[channel]]),
      );
    }
  });
});

describe("alarms", () => {
  const alarms = () => s.ofType("aws:cloudwatch/metricAlarm:MetricAlarm").map(inputs);

  it("fire on any message in a dead-letter queue", () => {
    const link = queuesLink();
    const names = [...channels, manifest.callbacks.queue, manifest.fanout.queue];
    const queueArns = new Set(names.map((c) => link[c]?.arn));
    const unconsumed = [manifest.callbacks.queue, manifest.fanout.queue].map((q) => link[q]?.dlq);
    const dlqs = queues().filter((q) => !queueArns.has(q.state.arn));
    expect(dlqs).toHaveLength(names.length);
    // Nothing consumes the callback and fan-out DLQs: what lands there stays, so their depth
    // is watched.
    for (const arn of unconsumed) {
      expect(
        alarms().find(
          (a) => a.dimensions?.QueueName === dlqs.find((q) => q.state.arn === arn)?.state.name,
        ),
      ).toMatchObject({ metricName: "ApproximateNumberOfMessagesVisible", threshold: 0 });
    }
    for (const dlq of dlqs.filter((q) => !unconsumed.includes(q.state.arn as string))) {
      expect(
        alarms().find((a) => a.dimensions?.QueueName === dlq.state.name),
        dlq.name,
      ).toMatchObject({
        // The dead-letter handler drains a DLQ within seconds, so its depth is almost never
        // sampled above 0; that it received anything is what cannot be missed.
        namespace: "AWS/SQS",
        metricName: "NumberOfMessagesReceived",
        statistic: "Sum",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
      });
    }
  });

  it("fire when Scheduler cannot hand a scheduled send to its queue", () => {
    const [group] = s.ofType("aws:scheduler/scheduleGroup:ScheduleGroup");
    const watched = alarms()
      .filter((a) => a.namespace === "AWS/Scheduler")
      .filter((a) => a.dimensions?.ScheduleGroup === group?.state.name)
      .map((a) => a.metricName)
      .sort();
    expect(watched).toEqual([
      "InvocationDroppedCount",
      "InvocationsFailedToBeSentToDeadLetterCount",
      "InvocationsSentToDeadLetterCount",
      "TargetErrorCount",
    ]);
  });

  it("fire on any error of any function, to the alarm topic", () => {
    const topic = s.ofType("aws:sns/topic:Topic").find((t) => /Alarms/.test(t.name));
    for (const fn of lambdas()) {
      expect(
        alarms().find((a) => a.dimensions?.FunctionName === fn.state.name),
        fn.name,
      ).toMatchObject({
        namespace: "AWS/Lambda",
        metricName: "Errors",
        comparisonOperator: "GreaterThanThreshold",
        threshold: 0,
        alarmActions: [topic?.state.arn],
      });
    }
  });
});
