/**
 * One SET from a transmitter, however it came: verified, checked against
 * replay, then each of its events applied. The outcome says whether it was
 * accepted (acknowledge it) or refused (tell the transmitter why); an
 * outage or a failing session index is thrown instead, so the SET is
 * neither acknowledged nor refused and the transmitter delivers it again.
 */
import { IdSwitchError, invalid } from "../../core/errors.js";
import type { StateStore } from "../../core/state-store.js";
import type { SessionRevoker } from "../../sessions/revoker.js";
import type { SignalEvent } from "../events.js";
import { applyEvent } from "./actions.js";
import type { Transmitter } from "./transmitter.js";
import { verifySet } from "./verify-set.js";

/** What the receiver as a whole brings to each SET. */
export interface ProcessContext {
  readonly revoker: SessionRevoker;
  readonly state: StateStore;
  readonly now: () => number;
  readonly clockToleranceSeconds: number;
  readonly maxAgeSeconds: number;
  readonly emit: (event: SignalEvent) => void;
}

/** Accepted (acknowledge) or refused (with the `token_invalid` error, or as a replay). */
export type SetResult =
  | { readonly kind: "accepted" }
  | { readonly kind: "refused"; readonly reason: string; readonly error: IdSwitchError };

/** Verifies and applies `token`; see the module comment for what is thrown. */
export async function processSet(
  token: string,
  transmitter: Transmitter,
  delivery: "push" | "poll",
  context: ProcessContext,
): Promise<SetResult> {
  const base = { transmitter: transmitter.id, provider: transmitter.provider, delivery } as const;
  const audience = await transmitter.audience();
  let set: Awaited<ReturnType<typeof verifySet>>;
  try {
    set = await verifySet(token, () => transmitter.keys(), {
      provider: transmitter.provider,
      issuer: transmitter.issuer,
      audience,
      algorithms: transmitter.options.algorithms,
      now: context.now(),
      clockToleranceSeconds: context.clockToleranceSeconds,
      maxAgeSeconds: context.maxAgeSeconds,
    });
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "token_invalid") throw err;
    context.emit({ ...base, outcome: "refused", reason: err.reason });
    return { kind: "refused", reason: err.reason ?? "malformed", error: err };
  }
  // Keyed on issuer and jti (RFC 8417 §2.2: unique per issuer), never on the token string, which a
  // replayer could re-encode. Remembered as long as `verifySet` accepts a SET's age at all.
  const key = await replayKey(transmitter.issuer, set.jti);
  const ttlMs = (context.maxAgeSeconds + 2 * context.clockToleranceSeconds) * 1000;
  if (!(await context.state.add(key, 1, { ttlMs }))) {
    context.emit({ ...base, outcome: "refused", reason: "replay" });
    const error = invalid(transmitter.provider, "claims", "SET was already received (jti replay)");
    return { kind: "refused", reason: "replay", error };
  }
  try {
    for (const [eventType, event] of Object.entries(set.events)) {
      const outcome = await applyEvent(eventType, event, set.claims, {
        provider: transmitter.provider,
        issuer: transmitter.issuer,
        revoker: context.revoker,
      });
      context.emit({ ...base, ...outcome });
    }
  } catch (err) {
    // Not applied: forget the jti, so the transmitter's next delivery is not taken for a replay.
    await context.state.delete(key).catch(() => {});
    throw err;
  }
  return { kind: "accepted" };
}

const encoder = new TextEncoder();

async function replayKey(issuer: string, jti: string): Promise<string> {
  const bytes = new Uint8Array(await crypto.subtle.digest("SHA-256", encoder.encode(`${issuer}\n${jti}`)));
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return `idswitch:ssf:jti:${btoa(binary).replace(/=+$/, "")}`;
}
