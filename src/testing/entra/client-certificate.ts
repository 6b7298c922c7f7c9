/**
 * `createClientCertificate()`: a throwaway client certificate for tests — an
 * RSA key and a self-signed X.509 certificate — to register on an emulated
 * app (`addApp({ certificates })`) and to give the SDK
 * (`entraId({ clientCertificate })`). No Node types in this file: it is part
 * of the published declarations.
 */
import { generateClientCertificate } from "./app-certificates.js";

/**
 * A client certificate to register on an app (`addApp({ certificates })`)
 * and to give the SDK (`entraId({ clientCertificate })`).
 *
 * @example
 * const cert = await createClientCertificate();
 * const daemon = entra.addApp({ tenantId, certificates: [cert.certificate] });
 * entraId({ id: "entra", tenantId, clientId: daemon.clientId, authority: entra.url,
 *   clientCertificate: { privateKey: cert.privateKey, certificate: cert.certificate } });
 */
export interface ClientCertificate {
  /** The certificate, PEM. */
  readonly certificate: string;
  /** Its private key, PKCS#8 PEM (RSA 2048; usable for PS256 and RS256). */
  readonly privateKey: string;
  /** The certificate's DER in standard base64 (an `x5c` entry). */
  readonly x5c: string;
  /** base64url SHA-1 (`x5t`) and SHA-256 (`x5t#S256`) thumbprints. */
  readonly thumbprints: { readonly sha1: string; readonly sha256: string };
}

/**
 * Makes an RSA key and a self-signed certificate for it, valid from a day
 * ago for `years` (default 2).
 *
 * @example
 * const { certificate, privateKey } = await createClientCertificate({ commonName: "orders-daemon" });
 */
export async function createClientCertificate(
  options: { readonly commonName?: string; readonly years?: number } = {},
): Promise<ClientCertificate> {
  return generateClientCertificate(options.commonName ?? "idswitch-test-client", options.years ?? 2);
}
