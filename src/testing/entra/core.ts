/**
 * What every endpoint of one emulator shares: its configuration, directory,
 * keys, protocol state and clock. One `Core` per emulator — nothing is
 * module-level, so several emulators run side by side in one process.
 */
import type { Directory } from "./directory.js";
import type { ErrorStyle } from "./errors.js";
import type { GraphState } from "./graph-state.js";
import type { KeyRing } from "./keys.js";
import type { GrantStore } from "./store.js";

export interface EmulatorConfig extends ErrorStyle {
  readonly v1IssuerBase: string;
  readonly accessTokenLifetimeSeconds: number | undefined;
  readonly lockoutThreshold: number;
  /** Page size of `/users/delta` rounds (Graph chooses it; `$top` is not allowed there, §11.3). */
  readonly graphDeltaPageSize: number;
  /** Members per group object of a `/groups/delta` round; a larger group is split over several (§11.8). */
  readonly graphDeltaMembersPerObject: number;
  /** How long the directory audit log keeps an entry, in ms (§13.4). */
  readonly auditLogRetentionMs: number;
  /** How long an audit entry takes to show up in `/auditLogs/directoryAudits`, in ms (§13.4). */
  readonly auditLogLatencyMs: number;
}

export interface Core {
  readonly config: EmulatorConfig;
  readonly directory: Directory;
  readonly keys: KeyRing;
  readonly store: GrantStore;
  /** Groups, Graph permissions, delta and paging state of the emulator's Microsoft Graph (§11). */
  readonly graph: GraphState;
  readonly now: () => number;
}

/** v2 issuer: `{authority}/{tid}/v2.0` (§1.5). */
export function issuerV2(core: Core, tid: string): string {
  return `${core.config.url}/${tid}/v2.0`;
}

/** v1 issuer: `{v1 base}/{tid}/` with the trailing slash (§1.5; see `v1IssuerBase`). */
export function issuerV1(core: Core, tid: string): string {
  return `${core.config.v1IssuerBase}/${tid}/`;
}
