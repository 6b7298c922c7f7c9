/**
 * Self-signed signing certificates shaped like Entra's own (docs/reference/entra-id.md §1.6,
 * decoded from the captured `/organizations` keys): X.509 v3, an 8-byte
 * serial, sha256WithRSAEncryption, subject = issuer =
 * `CN=accounts.accesscontrol.windows.net`, five years of validity and a single
 * Subject Key Identifier extension. The JWKS `kid`/`x5t` is the SHA-1
 * thumbprint of this DER, so it must be a real, parseable certificate.
 */
import { createHash, type KeyObject, randomBytes, sign } from "node:crypto";
import {
  bitString,
  explicit,
  nullValue,
  objectIdentifier,
  octetString,
  printableString,
  sequence,
  set,
  smallInteger,
  time,
  unsignedInteger,
} from "./der.js";

const SHA256_WITH_RSA = "1.2.840.113549.1.1.11";
const COMMON_NAME = "2.5.4.3";
const SUBJECT_KEY_IDENTIFIER = "2.5.29.14";

export interface CertificateOptions {
  commonName: string;
  notBefore: Date;
  years: number;
}

export interface SelfSignedCertificate {
  /** The DER bytes; `x5c[0]` is their standard base64. */
  readonly der: Buffer;
  /** base64url(SHA-1(DER)), no padding: Entra's `kid` and `x5t` (§1.6). */
  readonly thumbprint: string;
}

export function selfSignedCertificate(
  publicKey: KeyObject,
  privateKey: KeyObject,
  options: CertificateOptions,
): SelfSignedCertificate {
  const algorithm = sequence(objectIdentifier(SHA256_WITH_RSA), nullValue());
  const name = sequence(set(sequence(objectIdentifier(COMMON_NAME), printableString(options.commonName))));
  const notAfter = new Date(options.notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + options.years);
  // RFC 5280 §4.2.1.2 method 1: SHA-1 of the subjectPublicKey bits (the PKCS#1 RSAPublicKey).
  const keyId = createHash("sha1")
    .update(publicKey.export({ type: "pkcs1", format: "der" }))
    .digest();
  const tbs = sequence(
    explicit(0, smallInteger(2)), // v3
    unsignedInteger(randomBytes(8)),
    algorithm,
    name,
    sequence(time(options.notBefore), time(notAfter)),
    name,
    publicKey.export({ type: "spki", format: "der" }),
    explicit(
      3,
      sequence(sequence(objectIdentifier(SUBJECT_KEY_IDENTIFIER), octetString(octetString(keyId)))),
    ),
  );
  const der = sequence(tbs, algorithm, bitString(sign("sha256", tbs, privateKey)));
  return { der, thumbprint: createHash("sha1").update(der).digest("base64url") };
}
