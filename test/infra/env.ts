/** Deploy settings and secrets of the stage the infra tests synthesize. */
export const ENV = {
  HERALD_EMAIL_SENDER: "notifications@herald.example",
  // The stage creates its SES identity, as production does.
  HERALD_EMAIL_CREATE_IDENTITY: "true",
  SST_SECRET_UpstashUrl: "https://upstash.herald.example",
  SST_SECRET_UpstashToken: "upstash-token",
  SST_SECRET_VapidPublicKey: "vapid-public",
  SST_SECRET_VapidPrivateKey: "vapid-private",
  SST_SECRET_RealtimeTokenKey: "realtime-token-key-0123456789",
  SST_SECRET_WebhookSigningKey: "webhook-signing-key-0123456789",
};
