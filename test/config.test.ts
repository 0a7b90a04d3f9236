import { afterEach, describe, expect, it, vi } from "vitest";

// Pure: config reads links (`SST_RESOURCE_<Name>`, as SST sets them) and the environment once
// per container, so each case loads a fresh copy of the module, with its own links and
// environment.
async function load(env: Record<string, string>, links: Record<string, unknown> = {}) {
  vi.resetModules();
  for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
  for (const [name, value] of Object.entries({
    App: { name: "herald", stage: "test" },
    ...links,
  })) {
    vi.stubEnv(`SST_RESOURCE_${name}`, value === undefined ? undefined : JSON.stringify(value));
  }
  return import("@herald/core/config");
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("linked resources", () => {
  it("are read with their fields, without the type SST adds, and the queues by channel", async () => {
    // Prepare
    const config = await load(
      {},
      {
        Queues: {
          type: "sst.sst.Linkable",
          email: { url: "https://sqs/email", arn: "arn:email", dlq: "arn:email-dlq" },
          sms: { url: "https://sqs/sms", arn: "arn:sms" },
        },
        Email: { type: "sst.sst.Linkable", sender: "herald@example.com" },
      },
    );

    // Act
    const queues = config.link("Queues");
    const email = config.link("Email");

    // Assess
    expect(queues).toEqual({
      email: { url: "https://sqs/email", arn: "arn:email", dlq: "arn:email-dlq" },
      sms: { url: "https://sqs/sms", arn: "arn:sms" },
    });
    expect(email).toEqual({ sender: "herald@example.com" });
    expect(config.queueFor("sms").arn).toBe("arn:sms");
    expect(() => config.queueFor("push")).toThrow('No queue is linked for channel "push"');
  });

  it("refuse a missing or malformed link, naming the link and the field", async () => {
    // Prepare
    const config = await load(
      {},
      {
        Queues: { email: { url: "https://sqs/email" } },
        Realtime: { tokenKey: "short" },
        Events: { http: "not a url", realtime: "wss://x/event/realtime" },
        Upstash: { url: "https://redis", token: 42 },
        Table: undefined,
      },
    );

    // Act, Assess
    expect(() => config.link("Queues")).toThrow(
      'Linked resource "Queues" is missing or malformed: email: arn: expected a string',
    );
    expect(() => config.link("Realtime")).toThrow("tokenKey: expected at least 16 characters");
    expect(() => config.link("Events")).toThrow("http: expected a URL");
    expect(() => config.link("Upstash")).toThrow("token: expected a string");
    expect(() => config.link("Table")).toThrow(
      'Linked resource "Table" is missing or malformed: expected an object',
    );
  });
});

describe("tuning", () => {
  it("takes each knob's default when it is unset or empty", async () => {
    // Prepare
    const config = await load({ HERALD_RATE_LIMIT: "", HERALD_RETRY_SCHEDULE_SMS: "" });

    // Act
    const tuning = config.tuning();

    // Assess
    expect(tuning).toMatchObject({
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: 900,
      HERALD_SCHEDULER_LEAD_SECONDS: 120,
      HERALD_RATE_LIMIT: 100,
      HERALD_RETRY_SCHEDULE: config.DEFAULT_RETRY_SCHEDULE,
      HERALD_RETRY_JITTER: 0.2,
      HERALD_DIGEST_EVERY: "1h",
      HERALD_WEBHOOK_ALLOW_PRIVATE: false,
      HERALD_SMS_PRICE_USD: 0.00581,
    });
    expect(tuning.HERALD_RETRY_SCHEDULE_SMS).toBeUndefined();
    expect(tuning.HERALD_API_URL).toBeUndefined();
    expect(config.retrySchedule("sms")).toEqual(
      config.parseRetrySchedule(config.DEFAULT_RETRY_SCHEDULE),
    );
  });

  it("reads numbers, flags, URLs and patterns from their text", async () => {
    // Prepare
    const config = await load({
      HERALD_RATE_LIMIT: "250",
      HERALD_RETRY_JITTER: "0.35",
      HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
      HERALD_API_URL: "https://api.example.com",
      HERALD_DIGEST_EVERY: "15m",
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: "0",
    });

    // Act
    const tuning = config.tuning();

    // Assess
    expect(tuning).toMatchObject({
      HERALD_RATE_LIMIT: 250,
      HERALD_RETRY_JITTER: 0.35,
      HERALD_WEBHOOK_ALLOW_PRIVATE: true,
      HERALD_API_URL: "https://api.example.com",
      HERALD_DIGEST_EVERY: "15m",
      HERALD_SCHEDULER_MIN_DELAY_SECONDS: 0,
    });
  });

  it.each([
    ["HERALD_RATE_LIMIT", "ten", 'expected a whole number, got "ten"'],
    ["HERALD_RATE_LIMIT", "1.5", 'expected a whole number, got "1.5"'],
    ["HERALD_RATE_LIMIT", "0", "expected 1 or more, got 0"],
    ["HERALD_SCHEDULER_MIN_DELAY_SECONDS", "901", "expected 0 to 900, got 901"],
    ["HERALD_RETRY_JITTER", "0.6", "expected 0 to 0.5, got 0.6"],
    ["HERALD_WEBHOOK_ALLOW_PRIVATE", "yes", 'expected "true" or "false", got "yes"'],
    ["HERALD_API_URL", "api.example.com", "expected a URL"],
    ["HERALD_DIGEST_EVERY", "0h", 'expected /^[1-9]\\d{0,3}(m|h)$/, got "0h"'],
  ])("refuses %s=%s, naming the knob", async (name, value, message) => {
    // Prepare
    const config = await load({ [name]: value });

    // Act, Assess
    expect(() => config.tuning()).toThrow(`${name}: ${message}`);
  });
});
