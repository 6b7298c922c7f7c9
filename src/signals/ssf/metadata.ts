/**
 * The transmitter's configuration metadata (SSF 1.0, "Transmitter
 * Configuration Metadata"): where its keys and stream endpoints are.
 *
 * The document is found the RFC 8414 §3.1 way — `/.well-known/ssf-configuration`
 * inserted between the host and the issuer's path — and, when that is not
 * served, at the issuer with the suffix appended (the form Keycloak also
 * serves, and older transmitters only). Either way its `issuer` must equal
 * the configured issuer exactly (RFC 8414 §3.3): a document that names
 * another issuer could point us at an attacker's keys.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike } from "../../core/runtime.js";
import { malformed, requestJson } from "./http.js";

/** The members of the metadata idswitch uses. */
export interface TransmitterMetadata {
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly delivery_methods_supported?: readonly string[] | undefined;
  readonly configuration_endpoint?: string | undefined;
  readonly status_endpoint?: string | undefined;
  readonly add_subject_endpoint?: string | undefined;
  readonly remove_subject_endpoint?: string | undefined;
  readonly verification_endpoint?: string | undefined;
  readonly spec_version?: string | undefined;
}

const WELL_KNOWN = "/.well-known/ssf-configuration";

/** The URLs to try, in order, for an issuer's metadata. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/+$/, "");
  const inserted = `${url.origin}${WELL_KNOWN}${path}`;
  const appended = `${url.origin}${path}${WELL_KNOWN}`;
  return inserted === appended ? [inserted] : [inserted, appended];
}

/**
 * Fetches and checks the metadata. `configurationUrl` overrides discovery
 * (a transmitter that publishes it elsewhere).
 */
export async function fetchTransmitterMetadata(
  fetch: FetchLike,
  provider: string,
  issuer: string,
  configurationUrl?: string,
): Promise<TransmitterMetadata> {
  const urls = configurationUrl === undefined ? metadataUrls(issuer) : [configurationUrl];
  let last: unknown;
  for (const url of urls) {
    try {
      const document = await requestJson(fetch, provider, { method: "GET", url, what: "SSF metadata" });
      return checkMetadata(document, provider, issuer);
    } catch (err) {
      // Only "not served here" moves on to the other form; a wrong document or an outage does not.
      if (!isNotFound(err)) throw err;
      last = err;
    }
  }
  throw last;
}

function isNotFound(err: unknown): boolean {
  return (
    err instanceof IdSwitchError && (err.providerAnswer?.status === 404 || err.providerAnswer?.status === 405)
  );
}

function checkMetadata(document: unknown, provider: string, issuer: string): TransmitterMetadata {
  if (typeof document !== "object" || document === null)
    throw malformed(provider, "SSF metadata is not an object");
  const metadata = document as Record<string, unknown>;
  if (metadata.issuer !== issuer) {
    throw malformed(provider, "SSF metadata names another issuer than the configured one");
  }
  if (typeof metadata.jwks_uri !== "string" || !isHttpUrl(metadata.jwks_uri)) {
    throw malformed(provider, "SSF metadata has no usable jwks_uri");
  }
  for (const name of ENDPOINTS) {
    const value = metadata[name];
    if (value !== undefined && (typeof value !== "string" || !isHttpUrl(value))) {
      throw malformed(provider, `SSF metadata has an unusable ${name}`);
    }
  }
  return metadata as unknown as TransmitterMetadata;
}

const ENDPOINTS = [
  "configuration_endpoint",
  "status_endpoint",
  "add_subject_endpoint",
  "remove_subject_endpoint",
  "verification_endpoint",
] as const;

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}
