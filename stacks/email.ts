import { settings } from "./settings";

/**
 * SES sends the email channel. The identity is the sender address (SES emails it a verification
 * link when it is created), or its domain when HERALD_EMAIL_DOMAIN is set, with a custom MAIL FROM
 * subdomain (`mail.<domain>`) so SPF aligns with the domain.
 *
 * An identity belongs to the account, not to a stage: production creates it, and other stages
 * (a developer's `sst dev`) send from the identity that already exists, with a configuration set
 * of their own, so a new stage neither collides with it nor sends a fresh verification email.
 */

const { sender, domain, sandbox, createIdentity } = settings.email;
const identityName = domain ?? sender;
const partition = aws.getPartitionOutput({}).partition;
const region = aws.getRegionOutput({}).region;
const account = aws.getCallerIdentityOutput({}).accountId;
const sesArn = $interpolate`arn:${partition}:ses:${region}:${account}`;

const created = createIdentity
  ? new sst.aws.Email("Sender", {
      sender: identityName,
      ...(domain ? { mailFrom: { domain: `mail.${domain}` } } : {}),
    })
  : undefined;

export const configurationSet = created
  ? created.nodes.configurationSet
  : new aws.sesv2.ConfigurationSet("SenderConfig", {
      configurationSetName: `${$app.name}-${$app.stage}-email`,
    });

const identityArn = created
  ? created.nodes.identity.arn
  : $interpolate`${sesArn}:identity/${identityName}`;
/** Recipient identities SES checks as well while the account is in the sandbox. */
const sandboxRecipients = $interpolate`${sesArn}:identity/*`;

/** What the stack outputs about email. */
export const ses = { sender };

/**
 * `Resource.Email`: `{ sender, configSet }`. The built-in link grants `ses:*` on the identity and
 * SendEmail on `*`; the workers only need SendEmail from this identity, with this configuration
 * set.
 */
export const email = new sst.Linkable("Email", {
  properties: {
    sender,
    configSet: configurationSet.configurationSetName,
  },
  include: [
    sst.aws.permission({
      actions: ["ses:SendEmail"],
      resources: sandbox
        ? [identityArn, configurationSet.arn, sandboxRecipients]
        : [identityArn, configurationSet.arn],
    }),
  ],
});
