/**
 * Deploy-time settings: the few values that differ per AWS account and are not secrets. They are
 * read once, here, from the environment of `sst deploy` (in CI: repository variables). Secrets
 * (keys, tokens) are `sst.Secret`s instead, see `secrets.ts`.
 */

function optional(name: string): string | undefined {
  const value = process.env[name]?.trim();
  return value ? value : undefined;
}

function required(name: string, hint: string): string {
  const value = optional(name);
  if (!value) throw new Error(`Set ${name} before deploying: ${hint}`);
  return value;
}

export const settings = {
  email: {
    /** The From address of every email; SES must have it (or its domain) verified. */
    sender: required(
      "HERALD_EMAIL_SENDER",
      "the From address of Herald's email, e.g. notify@example.com",
    ),
    /**
     * Verify this domain instead of the single sender address (DKIM records go into its Route 53
     * hosted zone, which must exist in the same account).
     */
    domain: optional("HERALD_EMAIL_DOMAIN"),
    /**
     * While the account is in the SES sandbox, SES also authorizes each (verified) recipient's
     * identity, so the workers need ses:SendEmail on this account's identities, not only the
     * sender's. Turn it off once production access is granted.
     */
    sandbox: optional("HERALD_SES_SANDBOX") === "true",
  },
  sms: {
    /** Phone number, sender id, pool or their ARN; unset lets End User Messaging choose. */
    originationIdentity: optional("HERALD_SMS_ORIGINATION_IDENTITY"),
    configurationSet: optional("HERALD_SMS_CONFIGURATION_SET"),
  },
  push: {
    /** VAPID contact (`mailto:` or `https:`); defaults to the email sender. */
    subject: optional("HERALD_VAPID_SUBJECT"),
  },
  alarms: {
    /** Who is emailed when an alarm fires (the subscription must be confirmed once). */
    email: optional("HERALD_ALARM_EMAIL"),
  },
};
