import { createECDH, createHmac } from "node:crypto";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import * as manifest from "../../functions/manifest";
import { ROOT, type Synth, synth } from "./synth";

/**
 * A developer's own AWS stage (`npx sst dev` with credentials): it must deploy on the first try
 * with nothing set but the Upstash pair (shared by every stage through `sst secret set
 * --fallback`), while production stays strict.
 */

const TOKEN = "upstash-token-of-the-account";
const STAGE = "alice";
let s: Synth;

beforeAll(async () => {
  s = await synth(
    { SST_SECRET_UpstashUrl: "https://upstash.herald.example", SST_SECRET_UpstashToken: TOKEN },
    STAGE,
  );
}, 300_000);

const links = (handler: string) => s.builds.find((b) => b.handler === handler)?.links ?? {};
const derive = (purpose: string) =>
  createHmac("sha256", TOKEN).update(`herald/${STAGE}/${purpose}`).digest();

describe("a personal stage", () => {
  it("derives the signing keys nobody set, secret and per stage", () => {
    const worker = links(manifest.workers.webhook);
    expect(worker.Webhooks?.signingKey).toBe(derive("webhook-signing-key").toString("base64url"));
    const tokens = links("functions/api/tokens.handler");
    expect(tokens.Realtime?.tokenKey).toBe(derive("realtime-token-key").toString("base64url"));
    expect(tokens.Realtime?.tokenKey).not.toBe(worker.Webhooks?.signingKey);
  });

  it("derives a VAPID key pair web push accepts", () => {
    const vapid = links(manifest.workers.push).Vapid as { publicKey: string; privateKey: string };
    const ecdh = createECDH("prime256v1");
    ecdh.setPrivateKey(Buffer.from(vapid.privateKey, "base64url"));
    expect(ecdh.getPublicKey().toString("base64url")).toBe(vapid.publicKey);
    expect(Buffer.from(vapid.publicKey, "base64url")).toHaveLength(65);
    expect(Buffer.from(vapid.privateKey, "base64url")).toHaveLength(32);
  });

  it("sends email from the account's existing identity, in the sandbox, without creating one", () => {
    expect(s.ofType("aws:sesv2/emailIdentity:EmailIdentity")).toEqual([]);
    const [config] = s.ofType("aws:sesv2/configurationSet:ConfigurationSet");
    expect(config?.inputs.configurationSetName).toBe(`herald-${STAGE}-email`);
    const email = links(manifest.workers.email).Email;
    expect(email).toMatchObject({
      sender: "herald@example.com",
      configSet: `herald-${STAGE}-email`,
    });
    const grants = s
      .ofType("aws:iam/role:Role")
      .flatMap((role) => (role.inputs.inlinePolicies ?? []) as Array<{ policy: string }>)
      .flatMap(
        (p) => JSON.parse(p.policy).Statement as Array<{ Action: string[]; Resource: string[] }>,
      )
      .filter((st) => st.Action.includes("ses:SendEmail"));
    expect(grants.length).toBeGreaterThan(0);
    for (const grant of grants) {
      expect(grant.Resource).toContain(
        "arn:aws:ses:us-east-1:123456789012:identity/herald@example.com",
      );
      // Sandbox: SES also checks the (verified) recipient's identity.
      expect(grant.Resource).toContain("arn:aws:ses:us-east-1:123456789012:identity/*");
    }
  });
});

describe("the production stage", () => {
  it("refuses to deploy without a pinned region, and pins the one given", async () => {
    const config = (await import(join(ROOT, "sst.config.ts"))).default as {
      app(input: { stage: string }): { providers?: { aws?: { region?: string } } };
    };
    delete process.env.HERALD_AWS_REGION;
    expect(() => config.app({ stage: "production" })).toThrow(/HERALD_AWS_REGION/);
    process.env.HERALD_AWS_REGION = "eu-west-1";
    try {
      expect(config.app({ stage: "production" })).toMatchObject({
        home: "aws",
        protect: true,
        removal: "retain",
        providers: { aws: { version: "7.20.0", region: "eu-west-1" } },
      });
    } finally {
      delete process.env.HERALD_AWS_REGION;
    }
  });
});
