/**
 * Sealed cookie values: JWE compact (`dir` + A256GCM) under a key derived
 * from the app's secret, and sessions kept in a StateStore. AES-GCM gives
 * confidentiality (the login state holds the PKCE verifier, the session holds tokens) and integrity (a garbled or
 * forged cookie fails to open and is ignored). WebCrypto only: runs on Node,
 * Deno, Bun and edge runtimes.
 */
import { EncryptJWT, jwtDecrypt } from "jose";

/**
 * What a sealed value is for. Each purpose has its own key, so a login cookie
 * never opens as a session, nor a stored session as a cookie.
 */
export type SealPurpose = "session" | "login" | "stored-session";

const encoder = new TextEncoder();

/**
 * Derives one 256-bit key per secret and purpose with HKDF-SHA256. The first
 * secret seals; every secret opens, so a secret can be rotated without
 * signing everybody out.
 */
export class Sealer {
  readonly #keys: Map<SealPurpose, Promise<Uint8Array[]>> = new Map();
  readonly #secrets: readonly string[];

  constructor(secrets: readonly string[]) {
    this.#secrets = secrets;
  }

  /** Seals `value` until `expiresAt` (epoch seconds). */
  async seal(purpose: SealPurpose, value: unknown, expiresAt: number): Promise<string> {
    const [key] = await this.#keysFor(purpose);
    if (!key) throw new TypeError("idswitch: no secret to seal with");
    return new EncryptJWT({ v: value })
      .setProtectedHeader({ alg: "dir", enc: "A256GCM" })
      .setIssuedAt()
      .setExpirationTime(expiresAt)
      .encrypt(key);
  }

  /** Opens a sealed value; `undefined` when it is garbled, forged, for another purpose or expired. */
  async open(purpose: SealPurpose, sealed: string, nowSeconds: number): Promise<unknown> {
    for (const key of await this.#keysFor(purpose)) {
      try {
        const { payload } = await jwtDecrypt(sealed, key, {
          keyManagementAlgorithms: ["dir"],
          contentEncryptionAlgorithms: ["A256GCM"],
          currentDate: new Date(nowSeconds * 1000),
        });
        return payload.v;
      } catch {
        // Wrong key (an older secret may open it), or not ours at all.
      }
    }
    return undefined;
  }

  #keysFor(purpose: SealPurpose): Promise<Uint8Array[]> {
    let keys = this.#keys.get(purpose);
    if (!keys) {
      keys = Promise.all(this.#secrets.map((secret) => derive(secret, purpose)));
      this.#keys.set(purpose, keys);
    }
    return keys;
  }
}

async function derive(secret: string, purpose: SealPurpose): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, [
    "deriveBits",
  ]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(`idswitch ${purpose}`) },
    material,
    256,
  );
  return new Uint8Array(bits);
}
