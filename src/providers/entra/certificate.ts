/**
 * Client authentication with a certificate (docs/reference/entra-id.md §9.2): `private_key_jwt`
 * with the assertion Entra expects. openid-client signs it; its
 * `modifyAssertion` hook puts in what Entra differs on:
 *
 * - the header names the registered certificate by thumbprint, not by `kid`:
 *   `x5t#S256` (SHA-256 of the DER) with PS256, Microsoft's current guidance,
 *   or `x5t` (SHA-1) with RS256, the older one many libraries still send;
 * - `aud` is the token endpoint URL, where openid-client would put the issuer
 *   — which on `/organizations` is not even a URL but a template (§1.4).
 *
 * `iss` = `sub` = client id, a random `jti`, `iat`/`nbf` now and `exp` a
 * minute later come from openid-client. Web-standard only: thumbprints with
 * `crypto.subtle`, keys with jose.
 */
import { base64url, importPKCS8 } from "jose";
import * as client from "openid-client";
import { IdSwitchError } from "../../core/errors.js";

export type CertificateAlgorithm = "PS256" | "RS256";

/** A certificate credential as `entraId({ clientCertificate })` takes it (already checked by the schema). */
export interface CertificateCredential {
  readonly privateKey: CryptoKey | string;
  readonly certificate: string;
  readonly algorithm: CertificateAlgorithm;
}

/** What Web Crypto calls the key each algorithm needs. */
const WEB_CRYPTO: Readonly<Record<CertificateAlgorithm, string>> = {
  PS256: "RSA-PSS",
  RS256: "RSASSA-PKCS1-v1_5",
};

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----([\s\S]+?)-----END CERTIFICATE-----/;

/**
 * The DER bytes of a certificate given as PEM or as the standard base64 of
 * an `x5c` entry; undefined when it is neither (or not a DER SEQUENCE).
 */
export function certificateDer(certificate: string): Uint8Array<ArrayBuffer> | undefined {
  const body = PEM_CERTIFICATE.exec(certificate)?.[1] ?? certificate;
  const compact = body.replace(/\s+/g, "");
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(compact)) return undefined;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = Uint8Array.from(atob(compact), (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
  return bytes.length > 64 && bytes[0] === 0x30 ? bytes : undefined;
}

/** The header member that names the certificate: `x5t#S256` for PS256, `x5t` for RS256 (§9.2). */
export async function thumbprintHeader(
  der: Uint8Array<ArrayBuffer>,
  algorithm: CertificateAlgorithm,
): Promise<Record<string, string>> {
  if (algorithm === "PS256") {
    return { "x5t#S256": base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", der))) };
  }
  return { x5t: base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-1", der))) };
}

/**
 * The openid-client `ClientAuth` of a certificate credential. Async because
 * importing a key and hashing are; called once, at discovery, so a key that
 * cannot be used fails there as `config_invalid`.
 */
export async function certificateClientAuth(
  credential: CertificateCredential,
  provider: string,
): Promise<client.ClientAuth> {
  const der = certificateDer(credential.certificate);
  if (!der) throw configProblem(provider, "clientCertificate.certificate is not a certificate");
  const key = await signingKey(credential, provider);
  const header = { typ: "JWT", ...(await thumbprintHeader(der, credential.algorithm)) };
  return (as, metadata, body, headers) => {
    const audience = as.token_endpoint;
    const sign = client.PrivateKeyJwt(key, {
      [client.modifyAssertion]: (h, payload) => {
        Object.assign(h, header);
        payload.aud = audience;
      },
    });
    return sign(as, metadata, body, headers);
  };
}

async function signingKey(credential: CertificateCredential, provider: string): Promise<CryptoKey> {
  const { privateKey, algorithm } = credential;
  if (typeof privateKey === "string") {
    try {
      return await importPKCS8(privateKey, algorithm);
    } catch (err) {
      throw configProblem(
        provider,
        `clientCertificate.privateKey is not an RSA PKCS#8 key for ${algorithm}`,
        err,
      );
    }
  }
  const { name, hash } = privateKey.algorithm as RsaHashedKeyAlgorithm;
  if (
    privateKey.type !== "private" ||
    !privateKey.usages.includes("sign") ||
    name !== WEB_CRYPTO[algorithm] ||
    hash?.name !== "SHA-256"
  ) {
    throw configProblem(
      provider,
      `clientCertificate.privateKey must be a private ${WEB_CRYPTO[algorithm]} SHA-256 CryptoKey with "sign" for ${algorithm}`,
    );
  }
  return privateKey;
}

function configProblem(provider: string, message: string, cause?: unknown): IdSwitchError {
  return new IdSwitchError("config_invalid", `${provider}: ${message}`, {
    provider,
    reason: "client_certificate",
    cause,
  });
}
