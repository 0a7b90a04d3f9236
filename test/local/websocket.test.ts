import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  GoneException,
  PostToConnectionCommand,
} from "@aws-sdk/client-apigatewaymanagementapi";
import { type LocalWebSocketApi, startWebSocketApi } from "@herald/local/websocket";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WebSocket from "ws";

/**
 * The local API Gateway WebSocket API, driven by a real `ws` client and the real SDK: `$connect`
 * deciding the handshake, routing on `action`, the events handlers get, and the `@connections`
 * API answering as AWS does (410 GoneException for a connection that is not open).
 */

const events: any[] = [];
let api: LocalWebSocketApi;
let sdk: ApiGatewayManagementApiClient;

beforeAll(async () => {
  const record = (status = 200) => ({
    route: "",
    functionName: "test",
    handler: async () => async (event: any) => {
      events.push(event);
      return { statusCode: event.queryStringParameters?.refuse ? 403 : status };
    },
  });
  api = await startWebSocketApi({
    routes: ["$connect", "$disconnect", "$default", "ping"].map((route) => ({
      ...record(),
      route,
    })),
  });
  sdk = new ApiGatewayManagementApiClient({
    endpoint: api.managementEndpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});
afterAll(async () => {
  sdk?.destroy();
  await api?.stop();
});

function open(query = ""): Promise<{ ws: WebSocket; id: string; received: string[] }> {
  return new Promise((resolve, reject) => {
    const before = new Set(api.connections());
    const ws = new WebSocket(`${api.url}${query}`);
    const received: string[] = [];
    ws.on("message", (data) => received.push(data.toString()));
    ws.once("open", () => {
      const id = api.connections().find((c) => !before.has(c)) as string;
      resolve({ ws, id, received });
    });
    ws.once("unexpected-response", (_req, res) =>
      reject(Object.assign(new Error("refused"), { status: res.statusCode })),
    );
  });
}

const until = async (check: () => boolean) => {
  while (!check()) await new Promise((resolve) => setTimeout(resolve, 10));
};

describe("the local WebSocket API", () => {
  it("refuses the handshake with the status $connect answers", async () => {
    await expect(open("?refuse=1")).rejects.toMatchObject({ status: 403 });
  });

  it("routes messages on action, else to $default, with API Gateway's events", async () => {
    // Prepare
    const { ws, id } = await open("?token=abc");
    const connect = events.find((e) => e.requestContext.connectionId === id);

    // Act
    ws.send(JSON.stringify({ action: "ping" }));
    ws.send(JSON.stringify({ action: "unknown" }));
    ws.send("not json");
    await until(() => events.filter((e) => e.requestContext.connectionId === id).length >= 4);
    ws.close();
    await until(() => events.some((e) => e.requestContext.routeKey === "$disconnect"));

    // Assess
    const mine = events.filter((e) => e.requestContext.connectionId === id);
    expect(connect.requestContext).toMatchObject({ routeKey: "$connect", eventType: "CONNECT" });
    expect(connect.queryStringParameters).toEqual({ token: "abc" });
    expect(mine.map((e) => e.requestContext.routeKey)).toEqual([
      "$connect",
      "ping",
      "$default",
      "$default",
      "$disconnect",
    ]);
    expect(mine[3].body).toBe("not json");
    expect(mine[1].requestContext).toMatchObject({ eventType: "MESSAGE", stage: "local" });
  });

  it("serves @connections: post, get, delete, and 410 GoneException once it is gone", async () => {
    // Prepare
    const { ws, id, received } = await open();
    const closed = new Promise<number>((resolve) => ws.once("close", resolve));

    // Act
    await sdk.send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from("hello") }));
    const info = await sdk.send(new GetConnectionCommand({ ConnectionId: id }));
    await sdk.send(new DeleteConnectionCommand({ ConnectionId: id }));
    await closed;
    const gone = await sdk
      .send(new PostToConnectionCommand({ ConnectionId: id, Data: Buffer.from("late") }))
      .catch((error: unknown) => error);

    // Assess
    await until(() => received.length > 0);
    expect(received).toEqual(["hello"]);
    expect(info.ConnectedAt).toBeInstanceOf(Date);
    expect(gone).toBeInstanceOf(GoneException);
    expect((gone as GoneException).$metadata.httpStatusCode).toBe(410);
  });
});
