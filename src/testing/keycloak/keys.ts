/**
 * A realm's keys, as a new Keycloak realm has them (docs/reference/keycloak.md §3.5):
 * `rsa-generated` (RS256, signs ID and access tokens), `rsa-enc-generated`
 * (RSA-OAEP, published with `use: "enc"`) and `hmac-generated` (HS512, signs
 * refresh tokens — only Keycloak can verify them). Certificates are
 * self-signed for `CN=<realm>` like Keycloak's generated ones; the
 * certificate builder is the Entra emulator's. `kid` is the RFC 7638
 * thumbprint of the public key [guess: Keycloak's kids are 43-character
 * base64url strings too, derived differently].
 */
import { createHash, generateKeyPair, type KeyObject, randomBytes, randomUUID } from "node:crypto";
import { promisify } from "node:util";
import { calculateJwkThumbprint, exportJWK, type JWK } from "jose";
import { selfSignedCertificate } from "../entra/certificate.js";

const generateRsa = promisify(generateKeyPair);

export interface RsaKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** What `/certs` publishes for this key. */
  readonly jwk: Readonly<Record<string, unknown>>;
}

export interface RealmKeys {
  /** The active RS256 key: signs new tokens. */
  readonly signer: RsaKey;
  /** Still published and verifying (rotated out but not removed). */
  readonly passive: readonly RsaKey[];
  readonly encryption: RsaKey;
  readonly hmac: { readonly kid: string; readonly secret: Uint8Array };
}

async function rsaKey(realm: string, alg: "RS256" | "RSA-OAEP", now: number): Promise<RsaKey> {
  const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
  const jwk: JWK = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(jwk);
  // [guess] ten years of validity, starting now.
  const certificate = selfSignedCertificate(publicKey, privateKey, {
    commonName: realm,
    notBefore: new Date(Math.floor(now / 1000) * 1000),
    years: 10,
  });
  return {
    kid,
    privateKey,
    publicKey,
    // Member order as Keycloak's JWKS prints it.
    jwk: {
      kid,
      kty: "RSA",
      alg,
      use: alg === "RS256" ? "sig" : "enc",
      x5c: [certificate.der.toString("base64")],
      x5t: certificate.thumbprint,
      "x5t#S256": createHash("sha256").update(certificate.der).digest("base64url"),
      n: jwk.n,
      e: jwk.e,
    },
  };
}

export async function createRealmKeys(realm: string, now: number): Promise<RealmKeys> {
  const [signer, encryption] = await Promise.all([
    rsaKey(realm, "RS256", now),
    rsaKey(realm, "RSA-OAEP", now),
  ]);
  return { signer, passive: [], encryption, hmac: { kid: randomUUID(), secret: randomBytes(64) } };
}

/**
 * A new RS256 key signs from now on. The old one stays published (passive:
 * tokens it signed still verify) unless `retireOld` disables it, which makes
 * them fail verification (docs/reference/keycloak.md §3.5).
 */
export async function rotateSigner(
  realm: string,
  keys: RealmKeys,
  retireOld: boolean,
  now: number,
): Promise<RealmKeys> {
  const signer = await rsaKey(realm, "RS256", now);
  const passive = retireOld ? keys.passive : [keys.signer, ...keys.passive];
  return { ...keys, signer, passive };
}

/** The JWKS of `/protocol/openid-connect/certs`: every active and passive key with a public part. */
export function jwksOf(keys: RealmKeys): { keys: unknown[] } {
  return { keys: [keys.signer, ...keys.passive, keys.encryption].map((key) => key.jwk) };
}

/** Keys that verify RS256 tokens this realm issued. */
export function verificationKeys(keys: RealmKeys): RsaKey[] {
  return [keys.signer, ...keys.passive];
}
