/**
 * The session index: every sign-in the facade completes is recorded in the
 * StateStore — under its own id, and listed under the provider's session id
 * (`sid`), the person at the provider and the app user — for as long as a
 * session may live. A revocation signal finds the sessions it names through
 * the lists and marks each record revoked; every instance sharing the store
 * sees the mark at its next `isRevoked`, which reads one key.
 *
 * A record that is absent is not revoked: a memory store emptied by a
 * restart must not sign everyone out. Only a mark ends a session.
 */
import { base64url } from "jose";
import type { EventBus } from "../core/events.js";
import type { StateStore } from "../core/state-store.js";
import type { RevocationSource, RevocationTarget, SessionRevoker } from "./revoker.js";

/** What the index needs to know of a session; `IdentitySession` carries all of it. */
export interface IndexedSession {
  readonly sessionId?: string | undefined;
  readonly provider: string;
  readonly appUserId: string;
  readonly signedInAt: number;
  readonly principal: { readonly subject: string; readonly claims: Readonly<Record<string, unknown>> };
}

/** One session's record: kept until the session's absolute end. */
type SessionRecord = {
  readonly p: string;
  readonly sub: string;
  readonly u: string;
  readonly sid?: string;
  /** When the provider issued it (the ID token's `iat`, epoch seconds): a signal ends only sessions before it. */
  readonly iat?: number;
  /** Epoch ms after which the session cannot be alive any more. */
  readonly end: number;
  /** Set once a signal (or the app) ended it. */
  readonly revoked?: { readonly source: RevocationSource; readonly at: number };
};

/** A list entry: the session id and its end, so entries of ended sessions can be dropped. */
type Entry = readonly [id: string, end: number];

/** Far above any one person's concurrent sessions; a list never grows without bound. */
const MAX_ENTRIES = 1_000;
/**
 * Compare-and-set attempts before an update gives up. Only one person's
 * sign-ins contend for a list; each round one of them wins, and the losers
 * wait a random moment (growing with the attempt) before trying again.
 */
const MAX_ATTEMPTS = 64;
/**
 * How long a signal is remembered for a session not indexed yet: the
 * provider may send it between issuing the tokens and our recording of them.
 */
const LATE_SIGNAL_MS = 10 * 60_000;

export interface SessionIndexOptions {
  readonly state: StateStore;
  /** The longest a session may live (`sessions.maxAgeSeconds`), in ms. */
  readonly maxAgeMs: number;
  readonly now: () => number;
  readonly events: EventBus;
  /** Records an authority's disable or deletion as the app user's binding decision. */
  readonly decide: (appUserId: string, provider: string, status: "disabled" | "deleted") => Promise<boolean>;
  /** The app user linked to an account, for a decision about a person with no session here. */
  readonly appUserOf: (provider: string, subject: string) => Promise<string | undefined>;
}

export class SessionIndex implements SessionRevoker {
  readonly #o: SessionIndexOptions;

  constructor(options: SessionIndexOptions) {
    this.#o = options;
  }

  /**
   * Records a new session. Refuses (returns false) one whose provider
   * session, or person, a signal ended moments before it could be recorded.
   */
  async record(session: IndexedSession & { readonly sessionId: string }): Promise<boolean> {
    const { state, now, maxAgeMs } = this.#o;
    const sid = sidOf(session);
    const subject = session.principal.subject;
    const issuedAt = issuedAtOf(session);
    const [sidEnded, subjectEnded] = await Promise.all([
      sid === undefined ? undefined : state.get<number>(lateKey(session.provider, "sid", sid)),
      state.get<number>(lateKey(session.provider, "sub", subject)),
    ]);
    if (sidEnded !== undefined) return false;
    if (typeof subjectEnded === "number" && issuedAt !== undefined && issuedAt <= subjectEnded) return false;
    const end = now() + maxAgeMs;
    const record: SessionRecord = {
      p: session.provider,
      sub: subject,
      u: session.appUserId,
      ...(sid === undefined ? {} : { sid }),
      ...(issuedAt === undefined ? {} : { iat: issuedAt }),
      end,
    };
    await state.set(recordKey(session.sessionId), record, { ttlMs: maxAgeMs });
    const entry: Entry = [session.sessionId, end];
    await Promise.all([
      sid === undefined ? undefined : this.#append(listKey(session.provider, "sid", sid), entry),
      this.#append(listKey(session.provider, "sub", subject), entry),
      this.#append(userKey(session.appUserId), entry),
    ]);
    return true;
  }

  /** One read: whether a signal (or the app) ended this session. A session the index never saw is not. */
  async isRevoked(session: { readonly sessionId?: string | undefined }): Promise<boolean> {
    if (session.sessionId === undefined) return false;
    const record = await this.#o.state.get<SessionRecord>(recordKey(session.sessionId));
    return isRecord(record) && record.revoked !== undefined;
  }

  async end(target: RevocationTarget, source: RevocationSource): Promise<number> {
    const { provider, sid, subject } = target;
    if (sid === undefined && subject === undefined) return 0;
    // Remembered first: a session being recorded right now is refused by `record`.
    const at = target.issuedAt ?? Math.floor(this.#o.now() / 1000);
    await this.#o.state.set(
      sid === undefined ? lateKey(provider, "sub", subject as string) : lateKey(provider, "sid", sid),
      at,
      { ttlMs: LATE_SIGNAL_MS },
    );
    const list =
      sid === undefined ? listKey(provider, "sub", subject as string) : listKey(provider, "sid", sid);
    // Seconds against seconds, both of the provider's clock where it dated the signal: a session
    // issued after it is a new sign-in (the person signed in again before a slow signal arrived).
    // One issued in the same second cannot be told apart, and ends with it.
    const matches = (r: SessionRecord) =>
      r.p === provider &&
      (subject === undefined || r.sub === subject) &&
      (r.iat === undefined || r.iat <= at);
    return this.#endListed(list, source, matches, provider);
  }

  async accountDecided(
    target: RevocationTarget & { readonly subject: string },
    status: "disabled" | "deleted",
    source: RevocationSource,
  ): Promise<number> {
    let ended = await this.end(target, source);
    // From an authority the decision binds the app user everywhere: their sessions at every provider end.
    const appUserId = await this.#o.appUserOf(target.provider, target.subject);
    if (appUserId !== undefined && (await this.#o.decide(appUserId, target.provider, status))) {
      ended += await this.endAppUser(appUserId, source);
    }
    return ended;
  }

  /** Ends every session of an app user, at every provider. */
  endAppUser(appUserId: string, source: RevocationSource): Promise<number> {
    return this.#endListed(userKey(appUserId), source, (r) => r.u === appUserId, undefined);
  }

  /** Ends one session (a sign-out in this app): a copy of its cookie is worth nothing afterwards. */
  async endOne(
    session: { readonly sessionId?: string | undefined },
    source: RevocationSource,
  ): Promise<boolean> {
    if (session.sessionId === undefined) return false;
    return this.#mark(session.sessionId, source);
  }

  async #endListed(
    list: string,
    source: RevocationSource,
    matches: (record: SessionRecord) => boolean,
    provider: string | undefined,
  ): Promise<number> {
    const entries = await this.#o.state.get<Entry[]>(list);
    if (!Array.isArray(entries)) return 0;
    const now = this.#o.now();
    const live = entries.filter(isEntry).filter(([, end]) => end > now);
    const marked = await Promise.all(live.map(([id]) => this.#mark(id, source, matches)));
    const ended = marked.filter(Boolean).length;
    if (ended > 0) this.#o.events.emit("session-revoked", { provider, source, ended });
    return ended;
  }

  /** Marks one record revoked, keeping its expiry; false when absent, already revoked or not a match. */
  async #mark(
    id: string,
    source: RevocationSource,
    matches: (record: SessionRecord) => boolean = () => true,
  ): Promise<boolean> {
    const { state, now } = this.#o;
    const key = recordKey(id);
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const record = await state.get<SessionRecord>(key);
      if (!isRecord(record) || record.revoked !== undefined || !matches(record)) return false;
      const ttlMs = record.end - now();
      if (ttlMs <= 0) return false;
      const revoked: SessionRecord = { ...record, revoked: { source, at: now() } };
      if (await state.compareAndSet(key, record, revoked, { ttlMs })) return true;
      await backOff(attempt);
    }
    throw new Error(
      `idswitch: the session index could not mark a session revoked (${MAX_ATTEMPTS} conflicts)`,
    );
  }

  /** Adds an entry to a list, dropping entries of sessions that ended; kept as long as the newest session. */
  async #append(key: string, entry: Entry): Promise<void> {
    const { state, now, maxAgeMs } = this.#o;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const current = await state.get<Entry[]>(key);
      const at = now();
      const kept = (Array.isArray(current) ? current : []).filter(isEntry).filter(([, end]) => end > at);
      const next = [...kept.slice(-(MAX_ENTRIES - 1)), entry];
      if (await state.compareAndSet(key, current, next, { ttlMs: maxAgeMs })) return;
      await backOff(attempt);
    }
    throw new Error(`idswitch: the session index could not record a session (${MAX_ATTEMPTS} conflicts)`);
  }
}

/** A random pause of up to `attempt` ms (at most 25): contenders spread out instead of colliding again. */
function backOff(attempt: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(25, attempt + 1)));
}

/** The provider's session id: the ID token's `sid` (OpenID Back-Channel Logout 1.0 §2.1). */
function sidOf(session: IndexedSession): string | undefined {
  const sid = session.principal.claims.sid;
  return typeof sid === "string" && sid.length > 0 ? sid : undefined;
}

/** When the provider issued the session's tokens (its clock), epoch ms. */
/** The ID token's `iat`: when the provider issued the session, in its epoch seconds. */
function issuedAtOf(session: IndexedSession): number | undefined {
  const iat = session.principal.claims.iat;
  return typeof iat === "number" ? iat : undefined;
}

function isRecord(value: unknown): value is SessionRecord {
  return typeof value === "object" && value !== null && typeof (value as { end?: unknown }).end === "number";
}

function isEntry(value: unknown): value is Entry {
  return Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "number";
}

function recordKey(sessionId: string): string {
  return `idswitch:session:${sessionId}`;
}

function listKey(provider: string, kind: "sid" | "sub", value: string): string {
  return `idswitch:sessions:${provider}:${kind}:${value}`;
}

function userKey(appUserId: string): string {
  return `idswitch:sessions:user:${appUserId}`;
}

function lateKey(provider: string, kind: "sid" | "sub", value: string): string {
  // "-at": the value is the signal's epoch second (an earlier layout kept milliseconds).
  return `idswitch:session-ended-at:${provider}:${kind}:${value}`;
}

/** 128 random bits, base64url: the facade's id of one sign-in. */
export function newSessionId(): string {
  return base64url.encode(crypto.getRandomValues(new Uint8Array(16)));
}
