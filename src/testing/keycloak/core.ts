/**
 * What every endpoint of one emulator shares: its base URL, realms, protocol
 * state and clock. One `Core` per emulator — nothing is module-level, so
 * several emulators run side by side in one process.
 */
import type { RealmRecord } from "./model.js";
import type { SessionStore } from "./sessions.js";
import type { Challenges } from "./webauthn/challenges.js";

export interface Core {
  /** `http://127.0.0.1:PORT` (or `http://localhost:PORT`), no trailing slash: also the WebAuthn origin. */
  readonly url: string;
  readonly realms: Map<string, RealmRecord>;
  readonly sessions: SessionStore;
  readonly now: () => number;
  /** WebAuthn challenges waiting for their ceremony, per login transaction. */
  readonly challenges: Challenges;
}

/** The relying-party id: the issuer's hostname, Keycloak's choice when `webAuthnPolicyPasswordlessRpId` is empty. */
export function rpIdOf(core: Core): string {
  return new URL(core.url).hostname;
}

/** `{base}/realms/{realm}`: the issuer (docs/reference/keycloak.md §2). */
export function realmUrl(core: Core, realm: string): string {
  return `${core.url}/realms/${encodeURIComponent(realm)}`;
}

/** `{base}/realms/{realm}/protocol/openid-connect` */
export function oidcBase(core: Core, realm: string): string {
  return `${realmUrl(core, realm)}/protocol/openid-connect`;
}

export function nowSeconds(core: Core): number {
  return Math.floor(core.now() / 1000);
}
