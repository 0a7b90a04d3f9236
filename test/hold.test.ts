import { SendMessageBatchCommand, SendMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { mockClient } from "aws-sdk-client-mock";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";

/**
 * What a worker batch does with messages that arrived early (a Scheduler send fires up to two
 * minutes ahead): sends them back to the queue ten to a SendMessageBatch, each with the whole
 * seconds it still has to wait, and hands back what is due now and what SQS did not take.
 */

vi.stubEnv(
  "SST_RESOURCE_Queues",
  JSON.stringify({ email: { url: "https://sqs/email", arn: "arn:aws:sqs:x:1:email" } }),
);
const sqs = mockClient(SQSClient);
let Hold: typeof import("@herald/core/delivery/hold");

beforeAll(async () => {
  Hold = await import("@herald/core/delivery/hold");
});

const NOW = Date.parse("2026-01-01T00:00:00.000Z");
beforeEach(() => {
  sqs.reset();
  vi.useFakeTimers({ now: NOW, toFake: ["Date"] });
});
afterEach(() => vi.useRealTimers());

/** A message due `ms` from now (none: due at once). */
const item = (n: number, ms?: number) => ({
  n,
  message: {
    v: 1 as const,
    tenant_id: "t",
    id: `ntf_${n}`,
    ...(ms === undefined ? {} : { due: new Date(NOW + ms).toISOString() }),
  },
});

describe("holding a batch's early messages", () => {
  it("requeues them ten to a call with the seconds left, and keeps the due ones", async () => {
    // Prepare: 12 early by 119.5 s, one due in half a second, one without a due time.
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });
    const early = Array.from({ length: 12 }, (_, i) => item(i, 119_500));
    const items = [...early, item(12, 500), item(13)];

    // Act
    const held = await Hold.holdEarly("email", items);

    // Assess
    const calls = sqs.commandCalls(SendMessageBatchCommand).map((c) => c.args[0].input);
    expect(calls.map((c) => c.Entries?.length)).toEqual([10, 2]);
    expect(calls.every((c) => c.QueueUrl === "https://sqs/email")).toBe(true);
    const entries = calls.flatMap((c) => c.Entries ?? []);
    expect(entries.map((e) => e.DelaySeconds)).toEqual(Array(12).fill(119));
    expect(entries.map((e) => JSON.parse(e.MessageBody ?? "{}"))).toEqual(
      early.map((e) => e.message),
    );
    expect(held.now.map((i) => i.n)).toEqual([12, 13]);
    expect(held.failed).toEqual([]);
    expect(sqs.commandCalls(SendMessageCommand)).toHaveLength(0);
  });

  it("hands back what SQS refused or never took, to be received again", async () => {
    // Prepare: the first call refuses entry 1, the second throws.
    let call = 0;
    sqs.on(SendMessageBatchCommand).callsFake(() => {
      call++;
      if (call === 2) throw new Error("SQS is down");
      return { Successful: [], Failed: [{ Id: "1", Code: "InternalError", SenderFault: false }] };
    });
    const items = Array.from({ length: 13 }, (_, i) => item(i, 60_000));

    // Act
    const held = await Hold.holdEarly("email", items);

    // Assess
    expect(held.failed.map((i) => i.n)).toEqual([1, 10, 11, 12]);
    expect(held.now).toEqual([]);
  });

  it("caps the wait at SQS's 15 minutes", async () => {
    // Prepare
    sqs.on(SendMessageBatchCommand).resolves({ Successful: [], Failed: [] });

    // Act
    await Hold.holdEarly("email", [item(0, 3_600_000)]);

    // Assess
    const [call] = sqs.commandCalls(SendMessageBatchCommand);
    expect(call?.args[0].input.Entries?.[0]?.DelaySeconds).toBe(900);
  });
});
