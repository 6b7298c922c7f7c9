/**
 * From an Entra user to the fields of their Keycloak account. Keycloak stores
 * usernames and e-mails lower-cased (docs/reference/keycloak.md §5.2), so they are compared
 * that way; its default user profile wants a first and a last name, so they
 * fall back to the display name rather than leave the person facing
 * VERIFY_PROFILE at their first sign-in.
 */
import type { SourceUser, TargetUser, UserFields } from "../types.js";

export function fieldsOf(user: SourceUser, emailVerified: boolean): UserFields {
  const [first, ...rest] = (user.displayName ?? "").trim().split(/\s+/).filter(Boolean);
  const local = user.userPrincipalName.split("@")[0] ?? user.userPrincipalName;
  const email = user.mail?.trim().toLowerCase() || undefined;
  return {
    username: user.userPrincipalName.toLowerCase(),
    email,
    emailVerified: email !== undefined && emailVerified,
    firstName: user.givenName?.trim() || first || local,
    lastName: user.surname?.trim() || rest.join(" ") || local,
    enabled: user.accountEnabled,
  };
}

/** The profile fields that differ (never `username`: Keycloak keeps it immutable; never `enabled`: policy decides). */
export function profileChanges(want: UserFields, have: TargetUser): Partial<UserFields> {
  const changes: { -readonly [K in keyof UserFields]?: UserFields[K] } = {};
  if (want.email !== undefined && want.email !== have.email?.toLowerCase()) changes.email = want.email;
  if (want.email !== undefined && want.emailVerified && !have.emailVerified) changes.emailVerified = true;
  if (want.firstName !== have.firstName) changes.firstName = want.firstName;
  if (want.lastName !== have.lastName) changes.lastName = want.lastName;
  return changes;
}
