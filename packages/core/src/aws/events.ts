import { createHash, createHmac, type Hash, type Hmac } from "node:crypto";
import { defaultProvider } from "@aws-sdk/credential-provider-node";
import { SignatureV4 } from "@smithy/signature-v4";
import { link } from "../config";
import { UnavailableError } from "../error";

/**
 * The HTTP publish endpoint of the AppSync Events API (the `Events` link): `POST
 * https://<http domain>/event` with `{ channel, events: [JSON strings] }`, at most five events a
 * request, signed with SigV4 (service `appsync`) by the function's role — the only publisher the
 * API accepts (`appsync:EventPublish`, stacks/realtime.ts). The AWS SDK has no data-plane client
 * for Event APIs, so this is the one module that speaks to it; `@smithy/signature-v4` signs.
 */

/** AppSync Events takes at most this many events in one publish. */
export const MAX_EVENTS_PER_PUBLISH = 5;

/** The publish endpoint refused or failed a request (logged by the caller, never retried). */
export class PublishError extends UnavailableError {
  constructor(
    readonly status: number,
    detail: string,
    options?: ErrorOptions,
  ) {
    super(
      "feed_unavailable",
      `AppSync Events refused a publish (${status}): ${detail}`,
      1,
      options,
    );
    this.name = "PublishError";
  }
}

/** SHA-256 and HMAC-SHA256 from node:crypto, in the shape the signer takes. */
class Sha256 {
  private hash: Hash | Hmac;
  constructor(private readonly secret?: string | ArrayBuffer | ArrayBufferView) {
    this.hash = this.fresh();
  }
  private fresh() {
    return this.secret === undefined
      ? createHash("sha256")
      : createHmac("sha256", bytes(this.secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.hash.update(bytes(data));
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
  reset() {
    this.hash = this.fresh();
  }
}

function bytes(data: string | ArrayBuffer | ArrayBufferView): Buffer {
  if (typeof data === "string") return Buffer.from(data, "utf8");
  if (ArrayBuffer.isView(data)) return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return Buffer.from(data);
}

let signer: SignatureV4 | undefined;
const sign = () => {
  signer ??= new SignatureV4({
    service: "appsync",
    region: process.env.AWS_REGION ?? "us-east-1",
    credentials: defaultProvider(),
    sha256: Sha256,
  });
  return signer;
};

export interface Published {
  successful: Array<{ identifier: string; index: number }>;
  failed: Array<{ identifier?: string; index: number; code?: number; message?: string }>;
}

/** Publish up to five JSON strings on one channel, in one signed request. */
export async function publishEvents(channel: string, events: string[]): Promise<Published> {
  if (events.length === 0 || events.length > MAX_EVENTS_PER_PUBLISH) {
    throw new RangeError(`A publish carries 1 to ${MAX_EVENTS_PER_PUBLISH} events`);
  }
  const url = new URL(link("Events").http);
  const body = JSON.stringify({ channel, events });
  const request = await sign().sign({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port ? Number(url.port) : undefined,
    path: url.pathname,
    headers: { host: url.host, "content-type": "application/json" },
    body,
  });
  const response = await fetch(url.href, {
    method: "POST",
    headers: request.headers as Record<string, string>,
    body,
  });
  const text = await response.text();
  if (!response.ok) throw new PublishError(response.status, text.slice(0, 300));
  const result = JSON.parse(text) as Published;
  if (result.failed?.length) {
    throw new PublishError(response.status, `${result.failed.length} event(s) failed`);
  }
  return result;
}
