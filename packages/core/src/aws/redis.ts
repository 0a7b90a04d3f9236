import { Redis } from "@upstash/redis";
import { link } from "../config";

let client: Redis | undefined;

/** The Upstash client, created once per container from the linked URL and token. */
export function redis(): Redis {
  client ??= new Redis({ ...link("Upstash"), enableAutoPipelining: false });
  return client;
}
