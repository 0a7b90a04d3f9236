import { settings } from "./settings";

/**
 * SMS goes through AWS End User Messaging SMS. Origination identities (phone numbers, sender ids,
 * pools) are bought and registered by hand per country, so they are settings, not resources here.
 */

const arn = $interpolate`arn:${aws.getPartitionOutput({}).partition}:sms-voice:${
  aws.getRegionOutput({}).region
}:${aws.getCallerIdentityOutput({}).accountId}`;
const { originationIdentity, configurationSet } = settings.sms;

/**
 * Which origination identity End User Messaging uses is decided at send time (by the service
 * when none is set, or by number/sender id, whose ARN carries an id this stack cannot know), so
 * the grant covers this account's origination identities of each kind; an identity given as an
 * ARN is granted alone.
 */
const identities = originationIdentity?.startsWith("arn:")
  ? [originationIdentity]
  : ["phone-number", "pool", "sender-id"].map((kind) => $interpolate`${arn}:${kind}/*`);

/** `Resource.Sms`: `{ originationIdentity?, configurationSet? }`. */
export const sms = new sst.Linkable("Sms", {
  properties: {
    ...(originationIdentity ? { originationIdentity } : {}),
    ...(configurationSet ? { configurationSet } : {}),
  },
  include: [
    sst.aws.permission({
      actions: ["sms-voice:SendTextMessage"],
      resources: [
        ...identities,
        $interpolate`${arn}:opt-out-list/*`,
        ...(configurationSet ? [$interpolate`${arn}:configuration-set/${configurationSet}`] : []),
      ],
    }),
  ],
});
