/**
 * The account checks of the two password forms, in Keycloak's two orders
 * (docs/reference/keycloak.md §4.1, §4.2, issue #46517):
 * - direct grant: lock → enabled → password → required actions;
 * - login page: password → lock → enabled → required actions.
 * Every wrong password counts towards brute-force detection.
 */
import { timingSafeEqual } from "node:crypto";
import { isLocked, recordFailure, recordSuccess } from "./brute-force.js";
import { findUserByUsername, pendingRequiredActions, type RealmRecord, type UserRecord } from "./model.js";

export type PasswordCheck =
  | { readonly ok: true; readonly user: UserRecord }
  | {
      readonly ok: false;
      readonly refusal: "invalid" | "disabled" | "required_action";
      readonly user?: UserRecord;
    };

function passwordMatches(user: UserRecord, password: string): boolean {
  if (user.password === undefined) return false;
  const a = Buffer.from(password);
  const b = Buffer.from(user.password);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The password grant's order: a locked user hears "Invalid user credentials" even with the right password. */
export function checkDirectGrant(
  realm: RealmRecord,
  login: string,
  password: string,
  now: number,
): PasswordCheck {
  const user = findUserByUsername(realm, login);
  if (!user || user.serviceAccountClientId !== undefined) return { ok: false, refusal: "invalid" };
  if (isLocked(realm, user, now)) return { ok: false, refusal: "invalid", user };
  if (!user.enabled) return { ok: false, refusal: "disabled", user };
  if (!passwordMatches(user, password)) {
    recordFailure(realm, user, now);
    return { ok: false, refusal: "invalid", user };
  }
  if (pendingRequiredActions(user).length > 0) return { ok: false, refusal: "required_action", user };
  recordSuccess(user);
  return { ok: true, user };
}

/**
 * The login form's order: the password first, then the account state, so a
 * disabled user with a wrong password only hears "Invalid username or
 * password." Required actions are pages there, not refusals: the caller shows them.
 */
export function checkLoginForm(
  realm: RealmRecord,
  login: string,
  password: string,
  now: number,
): PasswordCheck {
  const user = findUserByUsername(realm, login);
  if (!user || user.serviceAccountClientId !== undefined) return { ok: false, refusal: "invalid" };
  if (!passwordMatches(user, password)) {
    if (!isLocked(realm, user, now)) recordFailure(realm, user, now);
    return { ok: false, refusal: "invalid", user };
  }
  if (isLocked(realm, user, now)) return { ok: false, refusal: "invalid", user };
  if (!user.enabled) return { ok: false, refusal: "disabled", user };
  recordSuccess(user);
  return { ok: true, user };
}
