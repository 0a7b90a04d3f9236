import { lookup } from "node:dns/promises";
import type * as Http from "node:http";
import { BlockList, isIP, type LookupFunction } from "node:net";
import { URL } from "node:url";
import { tuning } from "../config";
import { once } from "../once";
import { PermanentDeliveryError, TransientDeliveryError } from "./errors";

// node:http through its CommonJS module, not an ESM import: the ESM form reads every export at
// import, and Node's lazy WebSocket, CloseEvent and MessageEvent exports load undici (~10 ms of
// init in every function that calls out over HTTP, which never uses them). webhook.ts likewise.
const { Agent: HttpAgent, request: httpRequest } = process.getBuiltinModule("node:http");
const { Agent: HttpsAgent, request: httpsRequest } = process.getBuiltinModule("node:https");

/**
 * Caller-supplied destinations (webhook URLs, push endpoints) and the SSRF guard around them.
 *
 * Three layers, each in one place:
 * - `checkUrl` (no network): the URL is a well-formed ASCII URI, https (http only where private
 *   destinations are allowed), without credentials, and its host is not `localhost` or a
 *   non-public IP literal. The API runs it when it accepts a URL; the workers run it again.
 * - `resolveDestination` (workers): resolves the host once and refuses it if any address is not
 *   public. The result is the normalised URL plus the one address that was checked.
 * - `agentFor`: the HTTP agent a provider must connect with. Its `lookup` answers with the
 *   checked address and nothing else, so the connection goes exactly where the guard looked: a
 *   DNS answer that changes after the check (rebinding) is never asked for, and a client that
 *   parses the URL differently (such as the legacy `url.parse`) cannot reach another host.
 */

/** Address ranges that are not a public destination, grouped by the reason given. */
const RANGES: Record<string, string[]> = {
  unspecified: ["0.0.0.0/8", "::/128"],
  loopback: ["127.0.0.0/8", "::1/128"],
  private: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
  "unique-local (private)": ["fc00::/7"],
  "shared (CGNAT)": ["100.64.0.0/10"],
  "link-local (cloud metadata)": ["169.254.0.0/16", "fe80::/10"],
  "reserved (IETF protocol assignments)": ["192.0.0.0/24"],
  "documentation (TEST-NET)": [
    "192.0.2.0/24",
    "198.51.100.0/24",
    "203.0.113.0/24",
    "2001:db8::/32",
    "3fff::/20",
  ],
  "benchmarking (reserved)": ["198.18.0.0/15", "2001:2::/48"],
  "6to4 relay anycast": ["192.88.99.0/24"],
  multicast: ["224.0.0.0/4", "ff00::/8"],
  "reserved (future use, broadcast)": ["240.0.0.0/4"],
  // IPv6 forms that carry or translate an IPv4 address: refused whole rather than decoded, so no
  // embedding can smuggle a private IPv4 address through. (IPv4-mapped ::ffff:a.b.c.d is matched
  // by BlockList against the IPv4 ranges above; the whole /96 is refused too.)
  "IPv4-mapped": ["::ffff:0:0/96"],
  "IPv4-translated": ["::ffff:0:0:0/96"],
  "IPv4-compatible (deprecated)": ["::/96"],
  NAT64: ["64:ff9b::/96", "64:ff9b:1::/48"],
  "6to4": ["2002::/16"],
  Teredo: ["2001::/32"],
  "ORCHID / reserved": ["2001:10::/28", "2001:20::/28", "2001::/23"],
  "discard-only": ["100::/64"],
  "site-local (deprecated)": ["fec0::/10"],
};

/**
 * One BlockList per reason and family. IPv4 addresses are checked against the IPv4 lists only (an
 * IPv6 list holding ::ffff:0:0/96 matches every IPv4 address); IPv6 addresses against both, since
 * BlockList matches an IPv4-mapped address against IPv4 subnets. Built on the first check, not
 * at module init (~4 ms): most functions that import this module (the in-app worker, through
 * callbacks) rarely check an address.
 */
const blocked = once(() =>
  Object.entries(RANGES).map(([reason, cidrs]) => {
    const lists = { ipv4: new BlockList(), ipv6: new BlockList() };
    for (const cidr of cidrs) {
      const [network = "", prefix = ""] = cidr.split("/");
      const family = isIP(network) === 6 ? "ipv6" : "ipv4";
      lists[family].addSubnet(network, Number(prefix), family);
    }
    return { reason, ...lists };
  }),
);

/** Why an IP address is not a public destination, or undefined when it is one. */
export function blockedAddressReason(address: string): string | undefined {
  const bare = address.split("%", 1)[0] ?? "";
  const version = isIP(bare);
  if (version === 0) return "not an IP address";
  if (bare !== address) return "zoned (link-local)";
  if (version === 4) return blocked().find(({ ipv4 }) => ipv4.check(bare, "ipv4"))?.reason;
  return blocked().find(({ ipv4, ipv6 }) => ipv4.check(bare, "ipv6") || ipv6.check(bare, "ipv6"))
    ?.reason;
}

/** `example.com`, `10.0.0.1` or `::1` (without the brackets URL keeps around IPv6 literals). */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
}

/**
 * RFC 3986's URI characters only: printable ASCII without spaces, quotes, `<>`, `\`, `^`, "`",
 * `{|}`, and every `%` starting a two-digit escape. WHATWG `URL` would quietly repair all of
 * these (encode spaces, punycode hosts, read a full-width dot as a dot), and then two parsers
 * can disagree on what the host is.
 */
const URI_CHARACTERS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;
const BAD_ESCAPE = /%(?![0-9A-Fa-f]{2})/;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };

/**
 * The part of the destination check that needs no network. `allowPrivate` (the local cloud)
 * admits http and private hosts; everything else applies in every mode.
 */
export function checkUrl(raw: string, allowPrivate: boolean): UrlCheck {
  if (!URI_CHARACTERS.test(raw)) {
    return { ok: false, reason: "not a valid URI (spaces, non-ASCII or other unsafe characters)" };
  }
  if (BAD_ESCAPE.test(raw)) return { ok: false, reason: "not a valid URI (malformed % escape)" };
  // A percent-escaped host (`169.254.169.254%2Eattacker.example`) is what parsers disagree on.
  if (/^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*%/.test(raw)) {
    return { ok: false, reason: "not a valid URI (percent-escapes in the host)" };
  }
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch (error) {
    return { ok: false, reason: `not a valid URL (${(error as Error).name})` };
  }
  const schemes = allowPrivate ? ["https:", "http:"] : ["https:"];
  if (!schemes.includes(parsed.protocol)) {
    return { ok: false, reason: `the URL must use ${allowPrivate ? "http or https" : "https"}` };
  }
  if (parsed.username || parsed.password) {
    return { ok: false, reason: "the URL must not contain credentials" };
  }
  const host = bareHost(parsed);
  if (!host) return { ok: false, reason: "the URL has no host" };
  if (allowPrivate) return { ok: true, url: parsed };
  if (host === "localhost" || host.endsWith(".localhost")) {
    return { ok: false, reason: `the host ${host} is loopback` };
  }
  if (isIP(host)) {
    const blocked = blockedAddressReason(host);
    if (blocked) return { ok: false, reason: `the host ${host} is a ${blocked} address` };
  }
  return { ok: true, url: parsed };
}

/** A destination that passed every check: the URL to use and the one address to connect to. */
export interface Destination {
  /** Normalised (WHATWG); hand providers `url.href`, never the caller's original string. */
  url: URL;
  host: string;
  address: string;
  family: 4 | 6;
}

async function resolveAll(host: string, channel: string) {
  try {
    return await lookup(host, { all: true, verbatim: true });
  } catch (error) {
    // Includes ENOTFOUND: DNS for a receiver can be briefly broken, so let the retries decide.
    const code = (error as { code?: string }).code ?? "error";
    throw new TransientDeliveryError(`${channel}: could not resolve ${host} (${code})`, {
      cause: error,
    });
  }
}

/**
 * Checks `raw` and resolves its host once. Throws PermanentDeliveryError unless Herald may call
 * it (every address public, unless private destinations are allowed), TransientDeliveryError
 * when DNS fails. Connect with `agentFor(destination)` so the request goes to that address.
 */
export async function resolveDestination(raw: string, channel: string): Promise<Destination> {
  const allowPrivate = tuning().HERALD_WEBHOOK_ALLOW_PRIVATE;
  const checked = checkUrl(raw, allowPrivate);
  if (!checked.ok) throw new PermanentDeliveryError(`${channel}: ${checked.reason}`);
  const host = bareHost(checked.url);
  const literal = isIP(host);
  if (literal) return { url: checked.url, host, address: host, family: literal as 4 | 6 };
  const answers = await resolveAll(host, channel);
  const first = answers[0];
  if (!first) throw new TransientDeliveryError(`${channel}: ${host} resolved to no address`);
  if (!allowPrivate) {
    for (const { address } of answers) {
      const blocked = blockedAddressReason(address);
      if (blocked) {
        throw new PermanentDeliveryError(
          `${channel}: the host ${host} resolves to ${address}, a ${blocked} address`,
        );
      }
    }
  }
  return { url: checked.url, host, address: first.address, family: first.family as 4 | 6 };
}

/** A `lookup` that answers the checked host with the checked address, and nothing else. */
export function pinnedLookup(destination: Destination): LookupFunction {
  return (hostname, options, callback) => {
    const asked = hostname.replace(/^\[(.*)\]$/, "$1").replace(/\.$/, "");
    if (asked !== destination.host) {
      const error = Object.assign(
        new Error(`refusing to resolve ${hostname}: only ${destination.host} was checked`),
        { code: "EPINNED" },
      );
      callback(error, "", 0);
      return;
    }
    const { address, family } = destination;
    if (options.all) {
      (callback as unknown as (e: null, all: { address: string; family: number }[]) => void)(null, [
        { address, family },
      ]);
    } else {
      callback(null, address, family);
    }
  };
}

/**
 * An agent (one per request, no keep-alive) whose every connection goes to the checked address.
 * Node skips `lookup` for IP-literal hosts, which `checkUrl` has already vetted.
 */
export function agentFor(destination: Destination): Http.Agent {
  const options = { lookup: pinnedLookup(destination), keepAlive: false };
  return destination.url.protocol === "http:" ? new HttpAgent(options) : new HttpsAgent(options);
}

/** The whole exchange of a `post` (connect, send, answer) must finish within this. */
export const POST_TIMEOUT_MS = 10_000;
/** Setting up the connection (TCP; TLS counts toward the whole) must take less than this. */
export const CONNECT_TIMEOUT_MS = 3_000;

export interface Answer {
  status: number;
  headers: Http.IncomingHttpHeaders;
  /** The first `keepBodyChars` characters of the answer's body (the rest is read and dropped). */
  body: string;
}

/**
 * One POST over node:http(s) with the destination's pinned agent (fetch cannot take one without
 * a second copy of undici), for webhooks, callbacks and web push. Redirects are not followed. It
 * fails with code `ETIMEDOUT` when the whole exchange takes longer than POST_TIMEOUT_MS, and
 * with `ECONNTIMEOUT` when the connection is not up within CONNECT_TIMEOUT_MS, so a receiver
 * that does not even accept the connection gives up its worker slot much sooner.
 */
export function post(
  destination: Destination,
  body: string | Buffer,
  headers: Record<string, string>,
  keepBodyChars = 0,
): Promise<Answer> {
  const { url } = destination;
  const request = url.protocol === "http:" ? httpRequest : httpsRequest;
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      url,
      {
        method: "POST",
        agent: agentFor(destination),
        headers: { ...headers, "content-length": String(Buffer.byteLength(body)) },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          if (text.length < keepBodyChars) text += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: text.slice(0, keepBodyChars),
          }),
        );
        res.on("error", reject);
      },
    );
    const timer = setTimeout(
      () => req.destroy(Object.assign(new Error("timed out"), { code: "ETIMEDOUT" })),
      POST_TIMEOUT_MS,
    );
    let connectTimer: ReturnType<typeof setTimeout> | undefined;
    req.on("socket", (socket) => {
      if (!socket.connecting) return;
      connectTimer = setTimeout(
        () => req.destroy(Object.assign(new Error("connect timed out"), { code: "ECONNTIMEOUT" })),
        CONNECT_TIMEOUT_MS,
      );
      socket.once("connect", () => clearTimeout(connectTimer));
    });
    req.on("close", () => {
      clearTimeout(timer);
      clearTimeout(connectTimer);
    });
    req.on("error", reject);
    req.end(body);
  });
}
