import { SendMessageBatchCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * What a batch dispatch sends: 10 entries per SendMessageBatch, an entry SQS refused sent again
 * (and only that one), a sender's fault not retried, and what never got through reported by id.
 */

vi.stubEnv(
  "SST_RESOURCE_Queues",
  JSON.stringify({ in_app: { url: "https://sqs/in-app", arn: "arn:aws:sqs:x:1:in-app" } }),
);
const sqs = mockClient(SQSClient);
let Dispatch: typeof import("@herald/core/notification/dispatch");

beforeAll(async () => {
  Dispatch = await import("@herald/core/notification/dispatch");
});

beforeEach(() => sqs.reset());

const now = new Date("2026-01-01T00:00:00.000Z");
const sends = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    tenantId: "t",
    id: `ntf_${i}`,
    channel: "in_app" as const,
    sendAt: now,
    now,
  }));

describe("dispatchMany", () => {
  it("sends 10 per call and retries only the entries SQS refused", async () => {
    // Prepare: the first call refuses two entries (one a sender's fault), the rest succeed.
    let calls = 0;
    sqs.on(SendMessageBatchCommand).callsFake(() => {
      calls++;
      if (calls === 1) {
        return {
          Successful: [],
          Failed: [
            { Id: "3", Code: "InternalError", SenderFault: false },
            { Id: "4", Code: "InvalidParameterValue", SenderFault: true },
          ],
        };
      }
      return { Successful: [], Failed: [] };
    });

    // Act
    const failed = await Dispatch.dispatchMany(sends(12));

    // Assess
    const batches = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    const bodies = batches.map((b) =>
      (b.Entries ?? []).map((e) => JSON.parse(e.MessageBody ?? "").id),
    );
    expect(bodies[0]).toHaveLength(10);
    expect(bodies.flat().filter((id) => id === "ntf_3")).toHaveLength(2);
    expect(bodies.flat().filter((id) => id === "ntf_4")).toHaveLength(1);
    expect(bodies.flat()).toHaveLength(13);
    expect([...failed.keys()]).toEqual(["ntf_4"]);
  });

  it("gives up on an entry after three rounds and reports it", async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).callsFake((input: { Entries: { Id: string }[] }) => ({
      Successful: [],
      Failed: input.Entries.map((e) => ({
        Id: e.Id,
        Code: "ServiceUnavailable",
        SenderFault: false,
      })),
    }));

    // Act
    const failed = await Dispatch.dispatchMany(sends(2));

    // Assess
    expect(sqs.commandCalls(SendMessageBatchCommand)).toHaveLength(3);
    expect([...failed.keys()].sort()).toEqual(["ntf_0", "ntf_1"]);
  });
});
