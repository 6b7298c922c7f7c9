/**
 * Credential public keys as COSE_Key (RFC 9052 §7, parameters RFC 9053 §2.1
 * and §7.1; RSA keys RFC 8230 §4), turned into a JWK the emulator stores and a
 * node:crypto key it verifies with. The two algorithms Keycloak offers by
 * default: ES256 (-7, EC2 on P-256) and RS256 (-257, RSASSA-PKCS1-v1_5 with
 * SHA-256).
 */
import { createPublicKey, verify } from "node:crypto";
import type { CborValue } from "./cbor.js";
import { base64url, refuse } from "./errors.js";

export const ES256 = -7;
export const RS256 = -257;
export type CoseAlgorithm = typeof ES256 | typeof RS256;

/** A credential public key as a JWK (RFC 7517/7518): what the emulator stores for a passkey. */
export type PublicJwk =
  | { readonly kty: "EC"; readonly crv: "P-256"; readonly x: string; readonly y: string }
  | { readonly kty: "RSA"; readonly n: string; readonly e: string };

/** COSE labels: kty 1, alg 3; EC2 crv -1, x -2, y -3 (RFC 9053 §7.1.1); RSA n -1, e -2 (RFC 8230 §4). */
export function coseToJwk(key: CborValue): { alg: CoseAlgorithm; jwk: PublicJwk } {
  if (!(key instanceof Map)) refuse("the credential public key is not a COSE_Key map");
  const kty = key.get(1);
  const alg = key.get(3);
  if (alg === ES256) {
    if (kty !== 2) refuse("an ES256 key must have kty EC2 (2)");
    if (key.get(-1) !== 1) refuse("an ES256 key must be on curve P-256 (crv 1)");
    const x = key.get(-2);
    const y = key.get(-3);
    if (!(x instanceof Uint8Array) || x.length !== 32 || !(y instanceof Uint8Array) || y.length !== 32) {
      refuse("an ES256 key needs 32-byte x and y coordinates");
    }
    return { alg, jwk: { kty: "EC", crv: "P-256", x: base64url(x), y: base64url(y) } };
  }
  if (alg === RS256) {
    if (kty !== 3) refuse("an RS256 key must have kty RSA (3)");
    const n = key.get(-1);
    const e = key.get(-2);
    if (!(n instanceof Uint8Array) || n.length < 256 || !(e instanceof Uint8Array) || e.length === 0) {
      refuse("an RS256 key needs a modulus of 2048 bits or more and an exponent");
    }
    return { alg, jwk: { kty: "RSA", n: base64url(n), e: base64url(e) } };
  }
  return refuse(`credential algorithm ${JSON.stringify(alg)} is neither ES256 (-7) nor RS256 (-257)`);
}

/** A key that is not a valid point or modulus is refused here, at registration, not at the first sign-in. */
export function checkJwk(jwk: PublicJwk): void {
  try {
    createPublicKey({ key: { ...jwk }, format: "jwk" });
  } catch {
    refuse("the credential public key is not a valid key");
  }
}

/**
 * WebAuthn ES256 signatures are ASN.1 DER (W3C WebAuthn Level 3 §6.5.5), hence `dsaEncoding: "der"`;
 * RS256 ones are PKCS#1 v1.5 (RFC 8230 §2).
 */
export function signatureValid(
  jwk: PublicJwk,
  alg: CoseAlgorithm,
  data: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = createPublicKey({ key: { ...jwk }, format: "jwk" });
    return alg === ES256
      ? verify("sha256", data, { key, dsaEncoding: "der" }, signature)
      : verify("sha256", data, key, signature);
  } catch {
    return false; // a malformed signature is a wrong one
  }
}
