/**
 * Scrubs what must never reach an error message or a log line.
 *
 * Provider descriptions are short human text, but some echo request values
 * back; a JWT or a long opaque credential in there would leak a bearer token
 * into every log aggregator the app ships errors to.
 */

// A compact JWS/JWE: base64url segments separated by dots, starting with `eyJ` (`{"`).
const JWT_LIKE = /eyJ[A-Za-z0-9_-]{4,}(?:\.[A-Za-z0-9_-]*){1,4}/g;
// Long unbroken base64url/hex runs: refresh tokens, codes, secrets.
const OPAQUE_CREDENTIAL = /[A-Za-z0-9_\-+/=~]{40,}/g;

const MAX_LENGTH = 500;

/** Returns `text` with token-like material replaced and its length bounded. */
export function redact(text: string): string {
  const scrubbed = text.replace(JWT_LIKE, "[redacted jwt]").replace(OPAQUE_CREDENTIAL, "[redacted]");
  return scrubbed.length > MAX_LENGTH ? `${scrubbed.slice(0, MAX_LENGTH)}…` : scrubbed;
}
