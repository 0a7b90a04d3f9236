import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { startLocalCloud } from "./cloud";
import { startInboxDemo } from "./inbox-demo";

/**
 * `npm run dev`: the whole of Herald on this machine, no AWS account needed. Fixed ports so the
 * URLs below stay the same between runs; override with HERALD_API_PORT.
 */
const apiPort = Number(process.env.HERALD_API_PORT ?? 3000);
const cloud = await startLocalCloud({
  ports: {
    api: apiPort,
    ses: apiPort + 5,
    dynamodb: apiPort + 1,
    sqs: apiPort + 2,
    scheduler: apiPort + 3,
    redis: apiPort + 4,
    socket: apiPort + 6,
  },
  // API Gateway's access log, one JSON line per request, as the stage writes it in AWS.
  accessLog: (line) => process.stdout.write(`${line}\n`),
});

/**
 * The running cloud's environment, for tools run beside it: `npm run keys` loads it when no
 * linked resources are set. Removed again on stop.
 */
const envFile = resolve(".herald/local.json");
mkdirSync(dirname(envFile), { recursive: true });
writeFileSync(envFile, `${JSON.stringify(cloud.env, null, 2)}\n`, { mode: 0o600 });
process.on("exit", () => rmSync(envFile, { force: true }));

const tenant = "dev";
const key = await cloud.createKey(tenant);
const demo = await startInboxDemo({
  apiUrl: cloud.apiUrl,
  feedUrl: cloud.feedUrl,
  apiKey: key,
  port: apiPort + 7,
});

process.stdout.write(`
Herald is running locally.

  API            ${cloud.apiUrl}
  API key        ${key}   (tenant "${tenant}")
  Mail viewer    ${cloud.sesUrl}
  Redis (REST)   ${cloud.redis.url}  (${cloud.redis.backend})
  WebSocket feed ${cloud.socketUrl}  (AppSync Events; publish ${cloud.socket.httpUrl})
  Docs           ${cloud.apiUrl}/docs
  Inbox demo     ${demo.url}  (<herald-inbox>, live; "Send a test notification")
  Environment    ${envFile}  (npm run keys -- create --tenant <id> uses it)

Try it:

  curl -s ${cloud.apiUrl}/v1/notifications \\
    -H "authorization: Bearer ${key}" -H "content-type: application/json" \\
    -d '{"channel":"email","recipient":{"email":"ada@example.com","timezone":"Europe/London"},"content":{"subject":"Hello","text":"Hi from Herald"},"immediate":true}'

then open the mail viewer. Ctrl-C stops everything.
`);

async function shutdown() {
  await demo.stop();
  await cloud.stop();
  process.exit(0);
}
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);
