/**
 * What the SQL LinkStores share: the row shape, argument checks, and the
 * bounded retry that keeps find-or-create atomic without a read-then-write.
 */
import type { AuthorityDecision, Link, LinkMethod, ListLinksOptions, ProviderAccount } from "idswitch";

/** A link as both SQL stores select it (`created_at` may come back as a string from a bigint column). */
export interface LinkRow {
  readonly provider: string;
  readonly tenant: string;
  readonly subject: string;
  readonly app_user_id: string;
  readonly method: string;
  readonly created_at: number | string | bigint;
}

export function toLink(row: LinkRow): Link {
  return Object.freeze({
    provider: row.provider,
    tenant: row.tenant,
    subject: row.subject,
    appUserId: row.app_user_id,
    method: row.method as LinkMethod,
    createdAt: Number(row.created_at),
  });
}

/** An authority's decision as both SQL stores select it. */
export interface DecisionRow {
  readonly app_user_id: string;
  readonly provider: string;
  readonly status: string;
  readonly decided_at: number | string | bigint;
}

export function toDecision(row: DecisionRow): AuthorityDecision {
  return Object.freeze({
    appUserId: row.app_user_id,
    provider: row.provider,
    status: row.status === "deleted" ? "deleted" : "disabled",
    at: Number(row.decided_at),
  });
}

/** A `TypeError` for an account that is not three strings: a caller's bug, not an outage. */
export function checkAccount(account: ProviderAccount): void {
  if (
    typeof account?.provider !== "string" ||
    typeof account.tenant !== "string" ||
    typeof account.subject !== "string"
  ) {
    throw new TypeError("an account needs string provider, tenant and subject");
  }
}

export function checkAppUserId(appUserId: string): void {
  if (typeof appUserId !== "string" || appUserId === "")
    throw new TypeError("appUserId must be a non-empty string");
}

export function checkNow(now: number): void {
  if (!Number.isSafeInteger(now)) throw new TypeError("now must be epoch milliseconds (an integer)");
}

/** The page size, default 1000 like the in-memory store. */
export function pageLimit(options: ListLinksOptions): number {
  const limit = options.limit ?? 1000;
  if (!Number.isSafeInteger(limit) || limit < 0) throw new TypeError("limit must be a non-negative integer");
  return limit;
}

/**
 * Insert-if-absent, then read: the row either was inserted by us, or exists.
 * Between the two statements another caller may unlink it, so try again — a
 * few times, since each retry needs yet another unlink to lose.
 */
export async function insertOrRead<T>(attempt: () => Promise<T | undefined>): Promise<T> {
  for (let tries = 0; tries < 5; tries++) {
    const result = await attempt();
    if (result !== undefined) return result;
  }
  throw new Error("the link kept disappearing between insert and read");
}
