import { emailTags, refOf, smsContext, tagValue, untag } from "@herald/core/delivery/correlation";
import { createId } from "@herald/core/id";
import { describe, expect, it } from "vitest";

/** SES's rule for message tag names and values (MessageTag, SES API v2). */
const SES_TAG = /^[A-Za-z0-9_-]{1,256}$/;

describe("correlation tags", () => {
  it("sends Herald's tenant and notification ids as they are", () => {
    // Prepare
    const ref = { tenant_id: "acme-prod_2", id: createId("ntf") };

    // Act
    const tags = emailTags(ref);
    const context = smsContext(ref);

    // Assess
    expect(tags).toEqual([
      { Name: "tenant_id", Value: "acme-prod_2" },
      { Name: "notification_id", Value: ref.id },
    ]);
    expect(context).toEqual({ tenant_id: "acme-prod_2", notification_id: ref.id });
  });

  it.each(["Acme", "acme.example", "x", "tenant with spaces", "ünïcödé/租户", "Xabc", "-leading"])(
    "escapes %j into a value SES accepts, and reads it back",
    (value) => {
      // Act
      const encoded = tagValue(value);

      // Assess
      expect(encoded).toMatch(SES_TAG);
      expect(untag(encoded)).toBe(value);
    },
  );

  it("reads SES mail.tags (lists) and SMS context (strings)", () => {
    // Prepare
    const ref = { tenant_id: "Acme Inc", id: createId("ntf") };
    const ses = Object.fromEntries(emailTags(ref).map((tag) => [tag.Name, [tag.Value]]));
    const sms = smsContext(ref);

    // Act
    const fromSes = refOf({ ...ses, "ses:configuration-set": ["herald"] });
    const fromSms = refOf(sms);

    // Assess
    expect(fromSes).toEqual(ref);
    expect(fromSms).toEqual(ref);
  });

  it("names nothing unless both ids are there and well formed", () => {
    expect(refOf(undefined)).toBeUndefined();
    expect(refOf({ notification_id: ["ntf_1"] })).toBeUndefined();
    expect(refOf({ tenant_id: ["acme"] })).toBeUndefined();
    expect(refOf({ tenant_id: [], notification_id: ["ntf_1"] })).toBeUndefined();
    // Not a value tagValue makes: upper-case first, not the escape's canonical form.
    expect(refOf({ tenant_id: ["Acme"], notification_id: ["ntf_1"] })).toBeUndefined();
    expect(
      refOf({
        tenant_id: [`X${Buffer.from("acme").toString("base64url")}`],
        notification_id: ["ntf_1"],
      }),
    ).toBeUndefined();
  });
});
