import { settings } from "./settings";

/**
 * SES sends the email channel. The identity is the sender address (SES emails it a verification
 * link on the first deploy), or its domain when HERALD_EMAIL_DOMAIN is set.
 */
export const ses = new sst.aws.Email("Sender", {
  sender: settings.email.domain ?? settings.email.sender,
});

const identityArn = ses.nodes.identity.arn;
const configSetArn = ses.nodes.configurationSet.arn;
/** Recipient identities SES checks as well while the account is in the sandbox. */
const sandboxRecipients = $interpolate`arn:${aws.getPartitionOutput({}).partition}:ses:${
  aws.getRegionOutput({}).region
}:${aws.getCallerIdentityOutput({}).accountId}:identity/*`;

/**
 * `Resource.Email`: `{ sender, configSet }`. The built-in link grants `ses:*` on the identity and
 * SendEmail on `*`; the workers only need SendEmail from this identity, with this configuration
 * set.
 */
export const email = new sst.Linkable("Email", {
  properties: {
    sender: settings.email.sender,
    configSet: ses.nodes.configurationSet.configurationSetName,
  },
  include: [
    sst.aws.permission({
      actions: ["ses:SendEmail"],
      resources: settings.email.sandbox
        ? [identityArn, configSetArn, sandboxRecipients]
        : [identityArn, configSetArn],
    }),
  ],
});
