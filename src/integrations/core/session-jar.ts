/**
 * Where a signed-in session lives between requests: sealed into the cookie
 * itself (default; split into chunks past one cookie's 4 KB), or in a
 * StateStore with only a random id in the cookie (`session.store`; sealed there
 * too unless `session.sealAtRest: false`), which
 * keeps large Entra tokens off the wire and lets logout revoke server side.
 */
import type { IdentitySession, StateStore, StateValue } from "idswitch";
import { chunk, namesOf, serializeCookie, unchunk } from "./cookies.js";
import type { Sealer } from "./seal.js";

/** More chunks than this would push the Cookie header past common server limits (Node: 16 KB). */
const MAX_CHUNKS = 3;

export interface SessionJarOptions {
  readonly name: string;
  readonly secure: boolean;
  readonly maxAgeSeconds: number;
  readonly store: StateStore | undefined;
  /** Seal sessions kept in `store` (the default of `session.sealAtRest`). */
  readonly sealAtRest: boolean;
}

/** A session read back from a request, with the store id it was kept under (store mode). */
export interface OpenedSession {
  readonly session: IdentitySession;
  readonly id: string | undefined;
}

type Sealed = { readonly v: 1; readonly session: IdentitySession } | { readonly v: 1; readonly id: string };

export class SessionJar {
  readonly #sealer: Sealer;
  readonly #options: SessionJarOptions;

  constructor(sealer: Sealer, options: SessionJarOptions) {
    this.#sealer = sealer;
    this.#options = options;
  }

  /** The session in the request's cookies; `undefined` when absent, forged, garbled, expired or revoked. */
  async read(cookies: ReadonlyMap<string, string>, nowSeconds: number): Promise<OpenedSession | undefined> {
    const sealed = unchunk(cookies, this.#options.name);
    if (!sealed) return undefined;
    const opened = (await this.#sealer.open("session", sealed, nowSeconds)) as Sealed | undefined;
    if (opened?.v !== 1) return undefined;
    if ("session" in opened)
      return isSession(opened.session) ? { session: opened.session, id: undefined } : undefined;
    const stored = await this.#unstore(await this.#options.store?.get(storeKey(opened.id)), nowSeconds);
    return isSession(stored) ? { session: stored, id: opened.id } : undefined;
  }

  /**
   * Set-Cookie values that keep `session` until its absolute expiry. `previous`
   * is replaced: at sign-in a new id is made (session fixation), its chunks
   * that are no longer needed are deleted.
   */
  async write(
    session: IdentitySession,
    cookies: ReadonlyMap<string, string>,
    nowSeconds: number,
    previousId: string | undefined,
    keepId: boolean,
  ): Promise<string[]> {
    const expiresAt = Math.floor(session.signedInAt / 1000) + this.#options.maxAgeSeconds;
    const maxAge = Math.max(0, expiresAt - nowSeconds);
    const store = this.#options.store;
    let value: Sealed;
    if (store) {
      const id = keepId && previousId ? previousId : randomId();
      if (previousId && id !== previousId) await store.delete(storeKey(previousId));
      await store.set(storeKey(id), await this.#stored(session, expiresAt), { ttlMs: maxAge * 1000 });
      value = { v: 1, id };
    } else {
      value = { v: 1, session };
    }
    const chunks = chunk(this.#options.name, await this.#sealer.seal("session", value, expiresAt));
    if (chunks.length > MAX_CHUNKS) {
      throw new TypeError(
        "idswitch: the session is too large for cookies; configure `session.store` to keep it server side",
      );
    }
    const written = new Set(chunks.map(([name]) => name));
    const stale = namesOf(cookies, this.#options.name).filter((name) => !written.has(name));
    return [
      ...chunks.map(([name, v]) => serializeCookie(name, v, this.#attributes(maxAge))),
      ...stale.map((name) => serializeCookie(name, "", this.#attributes(0))),
    ];
  }

  /** Set-Cookie values that delete the session (and, in store mode, the stored session). */
  async clear(cookies: ReadonlyMap<string, string>, id: string | undefined): Promise<string[]> {
    if (id) await this.#options.store?.delete(storeKey(id));
    return namesOf(cookies, this.#options.name).map((name) => serializeCookie(name, "", this.#attributes(0)));
  }

  /** What the store keeps of `session`: sealed (the default), or plain JSON. */
  async #stored(session: IdentitySession, expiresAt: number): Promise<StateValue> {
    if (!this.#options.sealAtRest) return session as unknown as StateValue;
    return { v: 1, sealed: await this.#sealer.seal("stored-session", session, expiresAt) };
  }

  /**
   * The session in a stored value. Sealing on, only a sealed value counts: a
   * plain one may have been planted by whoever can write to the store.
   */
  async #unstore(stored: StateValue | undefined, nowSeconds: number): Promise<unknown> {
    if (!this.#options.sealAtRest) return stored;
    const sealed = isSealedAtRest(stored) ? stored.sealed : undefined;
    return sealed === undefined ? undefined : this.#sealer.open("stored-session", sealed, nowSeconds);
  }

  #attributes(maxAge: number) {
    return { maxAge, secure: this.#options.secure, path: "/" };
  }
}

function storeKey(id: string): string {
  return `idswitch:web-session:${id}`;
}

/** 256 random bits: a session id nobody can guess (OWASP: at least 64 bits of entropy). */
function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function isSealedAtRest(value: unknown): value is { v: 1; sealed: string } {
  return (
    typeof value === "object" && value !== null && typeof (value as { sealed?: unknown }).sealed === "string"
  );
}

/** The shape this version writes; anything else (an older format, a store mix-up) is treated as no session. */
function isSession(value: unknown): value is IdentitySession {
  if (typeof value !== "object" || value === null) return false;
  const s = value as Record<string, unknown>;
  const tokens = s.tokens as Record<string, unknown> | undefined;
  return (
    typeof s.provider === "string" &&
    typeof s.appUserId === "string" &&
    typeof s.signedInAt === "number" &&
    typeof s.principal === "object" &&
    s.principal !== null &&
    typeof tokens?.accessToken === "string"
  );
}
