/**
 * The client data a browser signs over (W3C WebAuthn Level 3 §5.8.1,
 * CollectedClientData), checked as §7.1 steps 5–9 (registration) and §7.2
 * steps 10–14 (authentication) say: the ceremony's type, the challenge the
 * relying party issued, and the origin it expects.
 */
import { refuse } from "./errors.js";

export interface ExpectedCeremony {
  /** The challenge issued for this ceremony, base64url; undefined when none was issued or it was used up. */
  readonly challenge: string | undefined;
  /** The relying party's origin, e.g. http://localhost:8080. */
  readonly origin: string;
  /** The relying-party id, e.g. localhost. */
  readonly rpId: string;
}

export function checkClientData(
  bytes: Uint8Array,
  type: "webauthn.create" | "webauthn.get",
  expected: ExpectedCeremony,
): void {
  let data: unknown;
  try {
    data = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(bytes));
  } catch {
    refuse("clientDataJSON is not JSON");
  }
  if (typeof data !== "object" || data === null) refuse("clientDataJSON is not an object");
  const fields = data as Record<string, unknown>;
  if (fields.type !== type) refuse(`clientDataJSON type is ${JSON.stringify(fields.type)}, not ${type}`);
  if (expected.challenge === undefined)
    refuse("no challenge is waiting for this ceremony (never issued, or used)");
  if (fields.challenge !== expected.challenge) refuse("clientDataJSON challenge is not the one issued");
  if (fields.origin !== expected.origin) {
    refuse(`clientDataJSON origin ${JSON.stringify(fields.origin)} is not ${expected.origin}`);
  }
  // §5.8.1: crossOrigin true means an iframe of another origin ran the ceremony; the emulator's pages are top-level.
  if (fields.crossOrigin === true)
    refuse("clientDataJSON says crossOrigin: the ceremony ran in a foreign frame");
}
