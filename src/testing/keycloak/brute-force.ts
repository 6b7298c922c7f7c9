/**
 * Brute-force detection (docs/reference/keycloak.md §4.8): failures are counted per
 * user; each time the count reaches a multiple of `failureFactor` the account
 * is locked for `waitIncrementSeconds` × that multiple (Keycloak's default
 * MULTIPLE strategy), at most `maxFailureWaitSeconds` — or disabled for good
 * with `permanentLockout`. Two failures closer than
 * `quickLoginCheckMilliSeconds` lock for `minimumQuickLoginWaitSeconds`.
 * Unlike the real server, the lock is recorded synchronously.
 */
import type { RealmRecord, UserRecord } from "./model.js";

/** Is the account locked now? A lock that ran out is forgotten here. */
export function isLocked(realm: RealmRecord, user: UserRecord, now: number): boolean {
  if (!realm.bruteForce) return user.failures.lockedUntil > now;
  forgetOldFailures(realm, user, now);
  return user.failures.lockedUntil > now;
}

export function recordFailure(realm: RealmRecord, user: UserRecord, now: number): void {
  const settings = realm.bruteForce;
  if (!settings) return;
  forgetOldFailures(realm, user, now);
  const record = user.failures;
  const quick = record.lastFailure > 0 && now - record.lastFailure < settings.quickLoginCheckMilliSeconds;
  record.numFailures += 1;
  record.lastFailure = now;
  if (quick) {
    record.lockedUntil = Math.max(record.lockedUntil, now + settings.minimumQuickLoginWaitSeconds * 1000);
  }
  if (record.numFailures % settings.failureFactor !== 0) return;
  if (settings.permanentLockout) {
    user.enabled = false;
    return;
  }
  const multiple = record.numFailures / settings.failureFactor;
  const waitSeconds = Math.min(settings.waitIncrementSeconds * multiple, settings.maxFailureWaitSeconds);
  record.lockedUntil = Math.max(record.lockedUntil, now + waitSeconds * 1000);
}

/** A successful login clears the failure record. */
export function recordSuccess(user: UserRecord): void {
  user.failures = { numFailures: 0, lastFailure: 0, lockedUntil: 0 };
}

/** Failures older than `maxDeltaTimeSeconds` no longer count (once any lock has run out). */
function forgetOldFailures(realm: RealmRecord, user: UserRecord, now: number): void {
  const settings = realm.bruteForce;
  const record = user.failures;
  if (!settings || record.lastFailure === 0 || record.lockedUntil > now) return;
  if (now - record.lastFailure > settings.maxDeltaTimeSeconds * 1000) recordSuccess(user);
}
