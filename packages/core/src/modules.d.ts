/** http_ece (RFC 8188, by its author) ships no types: the one call Herald makes. */
declare module "http_ece" {
  import type { ECDH } from "node:crypto";

  interface EncryptParams {
    /** "aes128gcm" (RFC 8188), the encoding RFC 8291 requires for Web Push. */
    version: "aes128gcm";
    /** The receiver's public key (uncompressed P-256 point, base64url or raw). */
    dh: string | Buffer;
    /** The sender's ephemeral key pair; its public key becomes the header's key id. */
    privateKey: ECDH;
    /** 16 bytes, base64url or raw. */
    salt: string | Buffer;
    /** The subscription's auth secret, base64url or raw. */
    authSecret: string | Buffer;
    /** Record size; 4096 when omitted. */
    rs?: number;
    /** Padding bytes; none when omitted. */
    pad?: number;
  }

  export function encrypt(buffer: Buffer, params: EncryptParams): Buffer;
}
