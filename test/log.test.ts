import { redact } from "@herald/core/log";
import { describe, expect, it } from "vitest";

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
});
