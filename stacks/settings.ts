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

/**
 * Production is strict: what it cannot guess must be set. Any other stage (a developer's
 * `sst dev`, a preview) deploys on the first try with defaults, and says what they mean.
 */
const strict = $app.stage === "production";

/** Where a personal stage sends email from until HERALD_EMAIL_SENDER names a verified identity. */
const DEV_SENDER = "herald@example.com";

export const settings = {
  strict,
  email: {
    /** The From address of every email; SES must have it (or its domain) verified. */
    sender: strict
      ? required(
          "HERALD_EMAIL_SENDER",
          "the From address of Herald's email, e.g. notify@example.com",
        )
      : (optional("HERALD_EMAIL_SENDER") ?? DEV_SENDER),
    /**
     * Whether this stage creates the SES identity (and so sends its verification email). An SES
     * identity belongs to the account, not the stage: production creates it; other stages use
     * the one that exists (set HERALD_EMAIL_CREATE_IDENTITY=true for a stage of its own).
     */
    createIdentity: strict || optional("HERALD_EMAIL_CREATE_IDENTITY") === "true",
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
    sandbox: (optional("HERALD_SES_SANDBOX") ?? (strict ? "false" : "true")) === "true",
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
