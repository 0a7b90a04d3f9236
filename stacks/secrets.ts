import { settings } from "./settings";

/**
 * Secrets are set per stage with `npx sst secret set <Name> <value> --stage <stage>` (CI sets them
 * from GitHub secrets before each deploy) and reach functions only through the links below, in
 * the shapes `packages/core/src/config.ts` parses.
 */

export const secrets = {
  upstashUrl: new sst.Secret("UpstashUrl"),
  upstashToken: new sst.Secret("UpstashToken"),
  /** `npx web-push generate-vapid-keys` */
  vapidPublicKey: new sst.Secret("VapidPublicKey"),
  vapidPrivateKey: new sst.Secret("VapidPrivateKey"),
  /** Signs recipient tokens for the real-time feed (`openssl rand -base64 32`). */
  realtimeTokenKey: new sst.Secret("RealtimeTokenKey"),
  /** Master key each tenant's webhook signing secret derives from (`openssl rand -base64 32`). */
  webhookSigningKey: new sst.Secret("WebhookSigningKey"),
};

/** `Resource.Upstash`: the Redis REST endpoint for pub/sub and rate limits. */
export const upstash = new sst.Linkable("Upstash", {
  properties: { url: secrets.upstashUrl.value, token: secrets.upstashToken.value },
});

/** `Resource.Vapid`: web push signing keys. */
export const vapid = new sst.Linkable("Vapid", {
  properties: {
    publicKey: secrets.vapidPublicKey.value,
    privateKey: secrets.vapidPrivateKey.value,
    subject: settings.push.subject ?? `mailto:${settings.email.sender}`,
  },
});

/** `Resource.Realtime` */
export const realtime = new sst.Linkable("Realtime", {
  properties: { tokenKey: secrets.realtimeTokenKey.value },
});

/** `Resource.Webhooks` */
export const webhooks = new sst.Linkable("Webhooks", {
  properties: { signingKey: secrets.webhookSigningKey.value },
});
