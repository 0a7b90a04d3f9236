import { randomUUID } from "node:crypto";
import { createServer, request, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as sesModule from "aws-ses-v2-local";
import { close, HOST, listen, readBody } from "./net";

/**
 * The local SES: the aws-ses-v2-local stand-in (which sends nothing and keeps every email for its
 * mail viewer, `/store`) behind a small proxy that keeps what the stand-in drops and SES's event
 * publishing needs: each `SendEmail`'s message tags (`EmailTags`) and configuration set, by the
 * MessageId the stand-in answered. The local event destination (./feedback.ts) publishes them in
 * `mail.tags` as `{ name: [values] }`, as SES does (nowhere else in the event). Like SES, the proxy
 * refuses a tag whose name or value holds anything but ASCII letters, digits, `_` and `-`, or more
 * than 256 characters (400 BadRequestException), so a tag SES would refuse fails here too.
 * Every other request is passed through untouched.
 */

export interface SesEmulator {
  /** The proxy: the SDK's endpoint and the mail viewer (`${url}/store`). */
  url: string;
  /** The tags SES would publish with a message's events (`mail.tags`); undefined if unknown. */
  tagsOf(messageId: string): Record<string, string[]> | undefined;
  stop(): Promise<void>;
}

// aws-ses-v2-local is CommonJS with `exports.default`: Node's ESM loader hands that over as
// `default.default`, bundlers and tsx as `default`.
const sesServer = ((sesModule.default as unknown as { default?: typeof sesModule.default })
  .default ?? sesModule.default) as typeof sesModule.default;

const SEND_EMAIL = "/v2/email/outbound-emails";
const MAX_BODY_BYTES = 40 * 1024 * 1024;
/** SES's rule for tag names and values (the MessageTag type). */
const TAG = /^[A-Za-z0-9_-]{1,256}$/;
const MAX_KEPT = 200_000;

interface SendEmailRequest {
  ConfigurationSetName?: string;
  EmailTags?: { Name?: unknown; Value?: unknown }[];
}

class BadRequestError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BadRequestError";
  }
}

/** The tags of one SendEmail request, as SES publishes them; throws what SES would refuse. */
function tagsOfRequest(body: SendEmailRequest): Record<string, string[]> {
  const tags: Record<string, string[]> = {};
  for (const tag of body.EmailTags ?? []) {
    const { Name, Value } = tag;
    if (typeof Name !== "string" || !TAG.test(Name)) {
      throw new BadRequestError(`Invalid tag name <${String(Name)}>`);
    }
    if (typeof Value !== "string" || !TAG.test(Value)) {
      throw new BadRequestError(`Invalid tag value <${String(Value)}> for tag <${Name}>`);
    }
    tags[Name] = [Value];
  }
  // SES adds its own tags to every event published through a configuration set.
  if (body.ConfigurationSetName) tags["ses:configuration-set"] = [body.ConfigurationSetName];
  return tags;
}

function parse(raw: Buffer): SendEmailRequest {
  try {
    const value = JSON.parse(raw.toString("utf8") || "{}") as unknown;
    return typeof value === "object" && value !== null ? (value as SendEmailRequest) : {};
  } catch {
    // Not JSON: the stand-in answers it (400), and no tags are kept.
    return {};
  }
}

function refuse(res: ServerResponse, error: BadRequestError) {
  res.writeHead(400, {
    "content-type": "application/json",
    "x-amzn-errortype": "BadRequestException",
    "x-amzn-requestid": randomUUID(),
  });
  res.end(JSON.stringify({ message: error.message }));
}

export async function startSes(opts: { port?: number } = {}): Promise<SesEmulator> {
  const standIn = await sesServer({ host: HOST, port: 0 });
  const target = (standIn.address() as AddressInfo).port;
  const tags = new Map<string, Record<string, string[]>>();
  const remember = (messageId: string, sent: Record<string, string[]>) => {
    tags.set(messageId, sent);
    // The oldest go first past MAX_KEPT, so a long `npm run dev` holds a bounded map.
    if (tags.size > MAX_KEPT) tags.delete(tags.keys().next().value as string);
  };

  const proxy = createServer((req, res) => {
    void (async () => {
      const raw = (await readBody(req, MAX_BODY_BYTES)) ?? Buffer.alloc(0);
      const sending = req.method === "POST" && req.url?.split("?")[0] === SEND_EMAIL;
      let sent: Record<string, string[]> | undefined;
      if (sending) {
        try {
          sent = tagsOfRequest(parse(raw));
        } catch (error) {
          if (error instanceof BadRequestError) return refuse(res, error);
          throw error;
        }
      }
      const headers = { ...req.headers, "content-length": String(raw.byteLength) };
      const upstream = request(
        { host: HOST, port: target, method: req.method, path: req.url, headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on("data", (chunk: Buffer) => chunks.push(chunk));
          answer.on("end", () => {
            const body = Buffer.concat(chunks);
            if (sent && answer.statusCode === 200) {
              const { MessageId } = JSON.parse(body.toString("utf8")) as { MessageId?: string };
              if (MessageId) remember(MessageId, sent);
            }
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(body);
          });
          answer.on("error", (error) => res.destroy(error));
        },
      );
      upstream.on("error", (error) => res.destroy(error));
      upstream.end(raw);
    })().catch((error: unknown) => res.destroy(error as Error));
  });
  const port = await listen(proxy, opts.port ?? 0);
  return {
    url: `http://${HOST}:${port}`,
    tagsOf: (messageId) => tags.get(messageId),
    stop: async () => {
      await close(proxy);
      await close(standIn);
    },
  };
}
