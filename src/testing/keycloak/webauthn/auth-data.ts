/**
 * Authenticator data (W3C WebAuthn Level 3 §6.1): rpIdHash (32 bytes), flags
 * (1), signCount (4, big-endian), then the attested credential data when AT
 * is set (§6.5.1: aaguid 16, credentialIdLength 2, credentialId, the
 * credential public key as a COSE_Key in CBOR) and extensions when ED is set.
 * Also the checks both ceremonies make on it: the rpIdHash, user presence and
 * user verification (§7.1 steps 13–15, §7.2 steps 15–17).
 */
import { createHash } from "node:crypto";
import { type CborValue, decodeCborPrefix } from "./cbor.js";
import { refuse } from "./errors.js";

export interface AuthenticatorData {
  readonly rpIdHash: Uint8Array;
  /** User present (bit 0), user verified (bit 2), attested credential data (bit 6), extensions (bit 7). */
  readonly flags: { readonly up: boolean; readonly uv: boolean; readonly at: boolean; readonly ed: boolean };
  readonly signCount: number;
  readonly attested:
    | { readonly aaguid: Uint8Array; readonly credentialId: Uint8Array; readonly publicKey: CborValue }
    | undefined;
}

export function parseAuthenticatorData(bytes: Uint8Array): AuthenticatorData {
  if (bytes.length < 37) refuse(`authenticatorData is ${bytes.length} bytes, shorter than 37`);
  const flagsByte = bytes[32] ?? 0;
  const flags = {
    up: (flagsByte & 0x01) !== 0,
    uv: (flagsByte & 0x04) !== 0,
    at: (flagsByte & 0x40) !== 0,
    ed: (flagsByte & 0x80) !== 0,
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const signCount = view.getUint32(33);
  let offset = 37;
  let attested: AuthenticatorData["attested"];
  if (flags.at) {
    if (bytes.length < offset + 18) refuse("authenticatorData ends inside the attested credential data");
    const aaguid = bytes.slice(offset, offset + 16);
    const idLength = view.getUint16(offset + 16);
    offset += 18;
    // §7.1 step 25 (Level 3): a credential id longer than 1023 bytes is refused.
    if (idLength > 1023) refuse(`credential id of ${idLength} bytes is longer than 1023`);
    if (bytes.length < offset + idLength) refuse("authenticatorData ends inside the credential id");
    const credentialId = bytes.slice(offset, offset + idLength);
    offset += idLength;
    const key = decodeCborPrefix(bytes, offset);
    offset = key.end;
    attested = { aaguid, credentialId, publicKey: key.value };
  }
  if (flags.ed) offset = decodeCborPrefix(bytes, offset).end; // extension outputs: read past, not used
  if (offset !== bytes.length)
    refuse(`authenticatorData has ${bytes.length - offset} unexplained trailing byte(s)`);
  return { rpIdHash: bytes.slice(0, 32), flags, signCount, attested };
}

/** §7.1 steps 13–15 / §7.2 steps 15–17: this relying party, a person present, and verified (passkeys need UV). */
export function checkAuthenticatorData(data: AuthenticatorData, rpId: string): void {
  const expected = createHash("sha256").update(rpId).digest();
  if (!expected.equals(Buffer.from(data.rpIdHash))) refuse(`rpIdHash is not SHA-256 of "${rpId}"`);
  if (!data.flags.up) refuse("the user-present flag (UP) is not set");
  if (!data.flags.uv)
    refuse("the user-verified flag (UV) is not set, and this realm requires user verification");
}
