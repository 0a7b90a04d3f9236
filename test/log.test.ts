import { errorFields, log, redact } from "@herald/core/log";
import { afterEach, describe, expect, it, vi } from "vitest";

describe("log redaction", () => {
  it("masks email local parts, phone digits and credentials wherever they appear", () => {
    // Prepare
    const line = JSON.stringify({
      message: "ses: MessageRejected: Email address is not verified: ada.lovelace+x@example.co.uk",
      key: "hrld_6ohL8F9bpte4RuOlVRjPIOy3Q8o1EvSO",
      secret: "whsec_abc-DEF_123",
      phone: "+14155550123",
    });

    // Act
    const masked = redact(line);

    // Assess
    expect(masked).not.toContain("ada.lovelace");
    expect(masked).toContain("***@example.co.uk");
    expect(masked).not.toContain("6ohL8F9bpte4");
    expect(masked).toContain("hrld_***");
    expect(masked).toContain("whsec_***");
    expect(masked).not.toContain("5550123");
    expect(masked).toContain("+1415***");
    expect(redact('{"message":"delivered","id":"ntf_01J","attempt":2}')).toBe(
      '{"message":"delivered","id":"ntf_01J","attempt":2}',
    );
  });

  it("masks a callback's whsec_ secret whole, standard base64 (+ / =) included", () => {
    // Prepare: a Standard Webhooks secret as POST /v1/callbacks answers it.
    const secret = "whsec_G7aEuqYR4/fni2s0pVhXMh9+z8nzdWwJ5Gk=";

    // Act
    const masked = redact(JSON.stringify({ message: `signing with ${secret}`, secret }));

    // Assess
    for (const part of ["G7aEuqYR4", "fni2s0pVhXMh9", "z8nzdWwJ5Gk"]) {
      expect(masked).not.toContain(part);
    }
    expect(masked).toContain("whsec_***");
  });

  it("applies to every line the logger prints: message, context, fields and errors at any depth", () => {
    // Prepare
    const lines: string[] = [];
    const tap = (chunk: unknown) => {
      lines.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    };
    const out = vi.spyOn(process.stdout, "write").mockImplementation(tap);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(tap);

    // Act
    try {
      log.setContext({ requestId: "req-1", caller: "ada@example.com" });
      log.info("sent to grace.hopper@example.org", {
        nested: { deeper: { phone: "+14155550123", token: "hrld_rt_abcdef123456" } },
      });
      log.error("provider failed", errorFields(new Error("whsec_secretvalue rejected")));
      log.setContext({ requestId: "req-2" });
      log.warn("next request");
    } finally {
      out.mockRestore();
      err.mockRestore();
    }

    // Assess
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(records.map((r) => [r.level, r.message, r.requestId])).toEqual([
      ["info", "sent to ***@example.org", "req-1"],
      ["error", "provider failed", "req-1"],
      ["warn", "next request", "req-2"],
    ]);
    expect(typeof records[0]?.time).toBe("string");
    expect(records[0]?.caller).toBe("***@example.com");
    expect(records[2]?.caller).toBeUndefined();
    const all = lines.join("\n");
    for (const secret of ["ada@", "grace.hopper", "5550123", "abcdef123456", "secretvalue"]) {
      expect(all).not.toContain(secret);
    }
    expect(all).toContain("hrld_***");
    expect(all).toContain("whsec_***");
  });

  it("masks what follows an escaped character too, in values and keys, and keeps the line JSON", () => {
    // Prepare: JSON writes a newline as \\n; on the JSON text the n hid the key from the
    // pattern, and masking the address left \\ before ***, which is no JSON.
    const lines: string[] = [];
    const tap = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    const out = vi.spyOn(process.stdout, "write").mockImplementation(tap);
    const err = vi.spyOn(process.stderr, "write").mockImplementation(tap);

    // Act
    try {
      log.error("bounced:\nada@example.com", {
        reason: "key:\nhrld_6ohL8F9bpte4RuOl\twhsec_abc",
        "to\ngrace@example.org": { "\tmile@example.fr": "+14155550123" },
      });
    } finally {
      out.mockRestore();
      err.mockRestore();
    }

    // Assess
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0]!) as Record<string, unknown>;
    expect(record.message).toBe("bounced:\n***@example.com");
    expect(record.reason).toBe("key:\nhrld_***\twhsec_***");
    expect(record["to\n***@example.org"]).toEqual({ "\t***@example.fr": "+1415***" });
    for (const secret of ["ada@", "6ohL8F9", "abc", "grace", "mile@", "5550123"]) {
      expect(lines[0]).not.toContain(secret);
    }
  });
});

/** What the logger writes while `act` runs, per stream, one entry per write call. */
function capture(act: () => void): { stream: "stdout" | "stderr"; chunk: string }[] {
  const writes: { stream: "stdout" | "stderr"; chunk: string }[] = [];
  const tap = (stream: "stdout" | "stderr") => (chunk: unknown) => {
    writes.push({ stream, chunk: String(chunk) });
    return true;
  };
  const out = vi.spyOn(process.stdout, "write").mockImplementation(tap("stdout"));
  const err = vi.spyOn(process.stderr, "write").mockImplementation(tap("stderr"));
  try {
    act();
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  return writes;
}

const records = (writes: { chunk: string }[]) =>
  writes.map(({ chunk }) => JSON.parse(chunk) as Record<string, unknown>);

/** Sets the environment for one test; `afterEach` puts it back and the logger follows. */
const saved = new Map<string, string | undefined>();
function setEnv(name: string, value: string | undefined) {
  if (!saved.has(name)) saved.set(name, process.env[name]);
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
afterEach(() => {
  for (const [name, value] of saved) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
  saved.clear();
  log.followEnvironment();
  log.setContext({});
});

describe("log lines", () => {
  it.each([
    ["TRACE", ["debug", "info", "warn", "error"]],
    ["DEBUG", ["debug", "info", "warn", "error"]],
    ["debug", ["debug", "info", "warn", "error"]],
    ["Info", ["info", "warn", "error"]],
    [undefined, ["info", "warn", "error"]],
    ["verbose", ["info", "warn", "error"]], // unknown: INFO
    ["WARN", ["warn", "error"]],
    ["error", ["error"]],
    ["FATAL", []], // Lambda's FATAL; Herald writes nothing above error
    ["silent", []],
    ["SILENT", []],
  ])("at AWS_LAMBDA_LOG_LEVEL=%s are written for %j", (level, written) => {
    // Prepare
    setEnv("AWS_LAMBDA_LOG_LEVEL", level);
    log.followEnvironment();

    // Act
    const writes = capture(() => {
      log.debug("d");
      log.info("i");
      log.warn("w");
      log.error("e");
    });

    // Assess
    expect(records(writes).map((r) => r.level)).toEqual(written);
  });

  it("follow a level set after the module loaded only once told to", () => {
    // Prepare
    setEnv("AWS_LAMBDA_LOG_LEVEL", "info");
    log.followEnvironment();
    setEnv("AWS_LAMBDA_LOG_LEVEL", "error");

    // Act
    const before = capture(() => log.info("still info"));
    log.followEnvironment();
    const after = capture(() => log.info("now error"));

    // Assess
    expect(records(before).map((r) => r.message)).toEqual(["still info"]);
    expect(after).toEqual([]);
  });

  it("are one JSON object each, written whole to stdout (warn and error to stderr), unprefixed", () => {
    // Prepare
    setEnv("AWS_LAMBDA_LOG_LEVEL", "debug");
    log.followEnvironment();

    // Act
    const writes = capture(() => {
      log.debug("d", { n: 1 });
      log.info("i");
      log.warn("w");
      log.error("e");
    });

    // Assess
    expect(writes.map((w) => w.stream)).toEqual(["stdout", "stdout", "stderr", "stderr"]);
    for (const { chunk } of writes) {
      expect(chunk.startsWith("{")).toBe(true);
      expect(chunk.endsWith("}\n")).toBe(true);
      expect(chunk.slice(0, -1)).not.toContain("\n");
    }
  });

  it("have the shape { level, time, message, xray_trace_id, ...context, ...fields }", () => {
    // Prepare
    setEnv(
      "_X_AMZN_TRACE_ID",
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=557abcec3ee5a047;Sampled=1",
    );
    log.setContext({ requestId: "req-1", tenant: "t1", shared: "context" });

    // Act
    const [levelWarning, messageWarning, timeWarning, line] = records(
      capture(() =>
        log.info("request", {
          status: 200,
          shared: "field",
          level: "x",
          message: "y",
          time: "then",
        }),
      ),
    );

    // Assess: fields win over context; the line's own keys are dropped, with a warning.
    expect([levelWarning, messageWarning, timeWarning].map((w) => [w?.level, w?.message])).toEqual([
      ["warn", 'The key "level" is a reserved key and will be dropped.'],
      ["warn", 'The key "message" is a reserved key and will be dropped.'],
      ["warn", 'The key "time" is a reserved key and will be dropped.'],
    ]);
    expect(Object.keys(line!)).toEqual([
      "level",
      "time",
      "message",
      "xray_trace_id",
      "requestId",
      "tenant",
      "shared",
      "status",
    ]);
    expect(line).toMatchObject({
      level: "info",
      message: "request",
      xray_trace_id: "1-5759e988-bd862e3fe1be46a994272793",
      shared: "field",
      status: 200,
    });
    expect(new Date(line!.time as string).toISOString()).toBe(line!.time);
  });

  it("carry no xray_trace_id outside a trace, and a bare trace header whole", () => {
    setEnv("_X_AMZN_TRACE_ID", undefined);
    const [untraced] = records(capture(() => log.info("a")));
    setEnv("_X_AMZN_TRACE_ID", "1-5759e988-bd862e3fe1be46a994272793");
    const [bare] = records(capture(() => log.info("b")));

    expect(untraced).not.toHaveProperty("xray_trace_id");
    expect(bare?.xray_trace_id).toBe("1-5759e988-bd862e3fe1be46a994272793");
  });

  it("take context until the next setContext replaces it whole", () => {
    // Act
    const writes = capture(() => {
      log.setContext({ requestId: "req-1", tenant: "t1" });
      log.info("first");
      log.setContext({ requestId: "req-2" });
      log.info("second");
      log.setContext({});
      log.info("third");
    });

    // Assess
    const [first, second, third] = records(writes);
    expect(first).toMatchObject({ requestId: "req-1", tenant: "t1" });
    expect(second).toMatchObject({ requestId: "req-2" });
    expect(second).not.toHaveProperty("tenant");
    expect(third).not.toHaveProperty("requestId");
  });

  it("print Errors, bigints and cycles, and leave out empty values at the top level", () => {
    // Prepare
    const failing = () => new Error("boom", { cause: new Error("inner") });
    const error = Object.assign(failing(), { code: "E1" });
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;

    // Act
    const [line] = records(
      capture(() =>
        log.error("failed", {
          error,
          big: 12345678901234567890n,
          cyclic,
          empty: "",
          none: null,
          missing: undefined,
          nested: { empty: "", none: null },
        }),
      ),
    );

    // Assess
    expect(line!.error).toMatchObject({
      name: "Error",
      message: "boom",
      location: expect.stringMatching(/\/test\/log\.test\.ts:\d+$/), // the first "(file:line:col)" frame
      stack: expect.stringContaining("Error: boom"),
      code: "E1",
      cause: { name: "Error", message: "inner", stack: expect.any(String) },
    });
    expect(line!.big).toBe("12345678901234567890");
    expect(line!.cyclic).toEqual({ name: "loop", self: "[Circular]" });
    expect(Object.keys(line!)).not.toContain("empty");
    expect(Object.keys(line!)).not.toContain("none");
    expect(Object.keys(line!)).not.toContain("missing");
    expect(line!.nested).toEqual({ empty: "", none: null });
  });
});
