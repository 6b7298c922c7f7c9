/**
 * Certificates of app registrations (`keyCredentials`, docs/reference/entra-id.md §9.2): what
 * the emulator keeps of one — the public key and both thumbprints a client
 * assertion can name it by — and the maker behind `createClientCertificate`.
 */
import { createHash, generateKeyPair, type KeyObject, X509Certificate } from "node:crypto";
import { promisify } from "node:util";
import { selfSignedCertificate } from "./certificate.js";

const generateRsa = promisify(generateKeyPair);

export interface RegisteredCertificate {
  readonly publicKey: KeyObject;
  /** base64url SHA-1 of the DER: what an RS256 assertion sends as `x5t`. */
  readonly sha1: string;
  /** base64url SHA-256 of the DER: what a PS256 assertion sends as `x5t#S256`. */
  readonly sha256: string;
}

/** A certificate given as PEM or as the base64 DER of an `x5c` entry; throws a TypeError when it is neither. */
export function registerCertificate(certificate: string, caller: string): RegisteredCertificate {
  const pem = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/.exec(certificate)?.[1];
  const der = Buffer.from((pem ?? certificate).replace(/\s+/g, ""), "base64");
  let parsed: X509Certificate;
  try {
    parsed = new X509Certificate(der);
  } catch {
    throw new TypeError(`${caller}: a certificate must be PEM or base64 DER`);
  }
  return {
    publicKey: parsed.publicKey,
    sha1: createHash("sha1").update(der).digest("base64url"),
    sha256: createHash("sha256").update(der).digest("base64url"),
  };
}

/**
 * An RSA key and a self-signed certificate for it, valid from a day ago for
 * `years`. The public face is `createClientCertificate` (client-certificate.ts),
 * which keeps Node types out of the published declarations.
 */
export async function generateClientCertificate(commonName: string, years: number) {
  const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
  const notBefore = new Date(Math.floor(Date.now() / 1000) * 1000 - 86_400_000);
  const { der } = selfSignedCertificate(publicKey, privateKey, { commonName, notBefore, years });
  const x5c = der.toString("base64");
  const lines = x5c.match(/.{1,64}/g) ?? [];
  return {
    certificate: `-----BEGIN CERTIFICATE-----\n${lines.join("\n")}\n-----END CERTIFICATE-----\n`,
    privateKey: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    x5c,
    thumbprints: {
      sha1: createHash("sha1").update(der).digest("base64url"),
      sha256: createHash("sha256").update(der).digest("base64url"),
    },
  };
}
