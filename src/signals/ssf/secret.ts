/**
 * Comparing the push route's `Authorization` header with the configured
 * secrets without leaking, through timing, how much of a guess was right:
 * both sides are hashed (SHA-256, so lengths never differ) and the digests
 * compared without an early exit.
 */

const encoder = new TextEncoder();

async function digest(text: string): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  let difference = a.length ^ b.length;
  for (let i = 0; i < a.length; i += 1) difference |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return difference === 0;
}

/** Precomputed digests of the accepted header values, each with what it unlocks. */
export class SecretMatcher<T> {
  readonly #entries: Promise<ReadonlyArray<readonly [Uint8Array, T]>>;

  constructor(secrets: ReadonlyArray<readonly [string, T]>) {
    this.#entries = Promise.all(
      secrets.map(async ([secret, value]) => [await digest(secret), value] as const),
    );
  }

  /** The value whose secret equals `presented`; every secret is compared, whichever matches. */
  async match(presented: string): Promise<T | undefined> {
    const [entries, candidate] = await Promise.all([this.#entries, digest(presented)]);
    let found: T | undefined;
    for (const [secret, value] of entries) {
      if (sameBytes(secret, candidate)) found = value;
    }
    return found;
  }
}
