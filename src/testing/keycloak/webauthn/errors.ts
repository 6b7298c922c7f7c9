/**
 * Why a WebAuthn response was refused: one exception type, with a message
 * that names the check that failed (never a key or a signature), so the
 * emulator can log it and re-render its page instead of answering 500.
 */
export class WebAuthnError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WebAuthnError";
  }
}

export function refuse(message: string): never {
  throw new WebAuthnError(message);
}

/** base64url without padding (W3C WebAuthn Level 3 §3: the encoding of ids and challenges in JSON). */
export function base64url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("base64url");
}

/** Strict base64url: the characters of RFC 4648 §5 only, so a value cannot decode two ways. */
export function fromBase64url(text: string, what: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) refuse(`${what} is not base64url`);
  return new Uint8Array(Buffer.from(text, "base64url"));
}
