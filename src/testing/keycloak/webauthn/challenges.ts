/**
 * WebAuthn challenges (W3C WebAuthn Level 3 §13.4.3: at least 16 random
 * bytes, used once). Each belongs to one login transaction and one ceremony;
 * taking it removes it, so a replayed response finds none.
 */
import { randomBytes } from "node:crypto";

export type Ceremony = "create" | "get";

export class Challenges {
  readonly #issued = new Map<string, string>();

  /** A fresh challenge for `owner` (a login's tab id) and ceremony, replacing any earlier one. */
  issue(owner: string, ceremony: Ceremony): string {
    const challenge = randomBytes(32).toString("base64url");
    this.#issued.set(`${ceremony}:${owner}`, challenge);
    return challenge;
  }

  /** The waiting challenge, once: a second take answers undefined. */
  take(owner: string, ceremony: Ceremony): string | undefined {
    const key = `${ceremony}:${owner}`;
    const challenge = this.#issued.get(key);
    this.#issued.delete(key);
    return challenge;
  }
}
