import { errorFields, log, redact } from "@herald/core/log";
import { describe, expect, it, vi } from "vitest";

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
});
