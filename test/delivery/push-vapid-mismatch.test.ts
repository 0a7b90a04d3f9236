import { type PushService, startPushService } from "@herald/local/push-service";
import { afterAll, beforeAll, expect, it } from "vitest";
import webpush from "web-push";

/**
 * A linked VAPID private key that is not the linked public key's (say, a rotated private key
 * deployed without its public key): the JWT does not verify with the key it names, the push
 * service answers 401, and retrying cannot help. A file of its own, since the link is read once
 * per process. The request itself: test/delivery/push-request.test.ts.
 */

let pushService: PushService;

beforeAll(async () => {
  pushService = await startPushService();
  Object.assign(process.env, {
    SST_RESOURCE_App: JSON.stringify({ name: "herald", stage: "test" }),
    SST_RESOURCE_Vapid: JSON.stringify({
      publicKey: webpush.generateVAPIDKeys().publicKey,
      privateKey: webpush.generateVAPIDKeys().privateKey,
      subject: "mailto:test@herald.local",
    }),
    // The push service is on loopback: the address ranges are not what this test is about.
    HERALD_WEBHOOK_ALLOW_PRIVATE: "true",
  });
});

afterAll(() => pushService?.stop());

it("fails permanently when the linked VAPID private key is not the public key's (401)", async () => {
  // Prepare
  const [push, errors] = await Promise.all([
    import("@herald/core/delivery/push"),
    import("@herald/core/delivery/errors"),
  ]);
  const subscription = pushService.subscribe();

  // Act
  const sending = push.sendPush({ id: "ntf_mismatch", subscription, content: { title: "x" } });

  // Assess
  await expect(sending).rejects.toBeInstanceOf(errors.PermanentDeliveryError);
  await expect(sending).rejects.toThrow(/answered 401/);
  expect(pushService.received(subscription.endpoint)).toEqual([]);
});
