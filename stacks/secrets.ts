import { createECDH, createHmac } from "node:crypto";
import { settings } from "./settings";

/**
 * Secrets are set per stage with `npx sst secret set <Name> <value> --stage <stage>` (CI sets them
 * from GitHub secrets before each deploy) and reach functions only through the links below, in
 * the shapes `packages/core/src/config.ts` parses.
 *
 * Production is strict: every secret must be set. Any other stage (a developer's `sst dev`) needs
 * only the Upstash pair, which one `sst secret set --fallback` shares with every stage of the
 * account; the signing keys it does not set are derived from the Upstash token and the stage
 * name (HMAC-SHA256), so they are secret, stable across deploys and different per stage.
 */

const derive = !settings.strict;
const upstashToken = new sst.Secret("UpstashToken");

function derived(purpose: string) {
  if (!derive) return undefined;
  return upstashToken.value.apply((token) =>
    createHmac("sha256", token).update(`herald/${$app.stage}/${purpose}`).digest("base64url"),
  );
}

/** A P-256 key pair for VAPID, derived like the other keys (raw keys, base64url, as web-push takes). */
function derivedVapid() {
  if (!derive) return { publicKey: undefined, privateKey: undefined };
  const pair = upstashToken.value.apply((token) => {
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(createHmac("sha256", token).update(`herald/${$app.stage}/vapid`).digest());
    return {
      publicKey: ecdh.getPublicKey().toString("base64url"),
      privateKey: ecdh.getPrivateKey().toString("base64url"),
    };
  });
  return { publicKey: pair.publicKey, privateKey: pair.privateKey };
}

const vapidDefaults = derivedVapid();

export const secrets = {
  upstashUrl: new sst.Secret("UpstashUrl"),
  upstashToken,
  /** `npx web-push generate-vapid-keys` */
  vapidPublicKey: new sst.Secret("VapidPublicKey", vapidDefaults.publicKey),
  vapidPrivateKey: new sst.Secret("VapidPrivateKey", vapidDefaults.privateKey),
  /** Signs recipient tokens for the real-time feed (`openssl rand -base64 32`). */
  realtimeTokenKey: new sst.Secret("RealtimeTokenKey", derived("realtime-token-key")),
  /** Master key each tenant's webhook signing secret derives from (`openssl rand -base64 32`). */
  webhookSigningKey: new sst.Secret("WebhookSigningKey", derived("webhook-signing-key")),
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
