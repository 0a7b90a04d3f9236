import { BadRequestException, SESv2Client, SendEmailCommand } from "@aws-sdk/client-sesv2";
import { type SesEmulator, startSes } from "@herald/local/ses";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { unique } from "../support";

/**
 * The local SES (the aws-ses-v2-local stand-in behind a recording proxy), driven through
 * `@aws-sdk/client-sesv2` as production code drives SES.
 */

let ses: SesEmulator;
let client: SESv2Client;

beforeAll(async () => {
  ses = await startSes();
  client = new SESv2Client({
    endpoint: ses.url,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
});

afterAll(async () => {
  client.destroy();
  await ses.stop();
});

const send = (tags: { Name: string; Value: string }[], configurationSet?: string) =>
  client.send(
    new SendEmailCommand({
      FromEmailAddress: "sender@herald.local",
      Destination: { ToAddresses: [`${unique("to")}@example.com`] },
      ConfigurationSetName: configurationSet,
      Content: { Simple: { Subject: { Data: unique("subject") }, Body: { Text: { Data: "hi" } } } },
      EmailTags: tags,
    }),
  );

describe("local SES", () => {
  it("keeps each message's tags by its MessageId, as SES publishes them in mail.tags", async () => {
    // Act
    const sent = await send(
      [
        { Name: "tenant_id", Value: "acme" },
        { Name: "notification_id", Value: "ntf_01ABC" },
      ],
      "herald-local",
    );

    // Assess
    expect(ses.tagsOf(sent.MessageId as string)).toEqual({
      tenant_id: ["acme"],
      notification_id: ["ntf_01ABC"],
      "ses:configuration-set": ["herald-local"],
    });
    const store = (await (await fetch(`${ses.url}/store`)).json()) as {
      emails: { messageId: string }[];
    };
    expect(store.emails.map((email) => email.messageId)).toContain(sent.MessageId);
  });

  it.each([
    ["a value with a dot", { Name: "tenant_id", Value: "acme.example" }],
    ["an empty value", { Name: "tenant_id", Value: "" }],
    ["a name with a colon", { Name: "ses:mine", Value: "x" }],
    ["a value past 256 characters", { Name: "tenant_id", Value: "a".repeat(257) }],
  ])("refuses %s, as SES does", async (_what, tag) => {
    // Act
    const sending = send([tag]);

    // Assess
    await expect(sending).rejects.toBeInstanceOf(BadRequestException);
  });
});
