/**
 * Keycloak's real error answers (docs/reference/keycloak.md §4, checked against a
 * real 26.7.3 by test/integration/keycloak) and what each one means.
 * Matched before the generic OAuth table; first match wins, so specific rows
 * come before broad ones.
 */
import type { ErrorRule } from "../oidc/errors.js";

export const KEYCLOAK_ERROR_RULES: readonly ErrorRule[] = [
  // The person: disabled by an administrator (password grant / refresh / code exchange wordings).
  { error: "invalid_grant", description: "Account disabled", code: "account_disabled" },
  { error: "invalid_grant", description: "User disabled", code: "account_disabled" },
  { error: "invalid_grant", description: "User not found", code: "account_disabled", reason: "user_deleted" },
  // A required action (update password, verify profile…) is pending: the user must act at Keycloak.
  {
    error: "invalid_grant",
    description: "Account is not fully set up",
    code: "credentials_expired",
    reason: "required_action",
  },
  // The session: ended, expired, or revoked by a not-before push.
  {
    error: "invalid_grant",
    description: "Session not active",
    code: "session_revoked",
    reason: "session_ended",
  },
  {
    error: "invalid_grant",
    description: "Token is not active",
    code: "session_revoked",
    reason: "token_expired",
  },
  { error: "invalid_grant", description: "Stale token", code: "session_revoked", reason: "not_before" },
  {
    error: "invalid_grant",
    description: /^Offline (user )?session not (active|found)$/,
    code: "session_revoked",
  },
  // Wrong password, brute-force lock and unknown user: Keycloak 26.7.3 answers all three with the
  // same 400 and the same words, on purpose (no account-state oracle; older releases sent 401 for a
  // wrong password). Only the admin API tells them apart: `provider.accountStatus(subject)`.
  {
    error: "invalid_grant",
    description: "Invalid user credentials",
    code: "invalid_credentials",
    reason: "wrong_password_or_locked",
  },
  // The application: Keycloak says `unauthorized_client` for a wrong or expired secret and
  // `invalid_client` for a disabled or deleted client (both 401, same description).
  {
    error: "invalid_client",
    description: "Invalid client or Invalid client credentials",
    code: "client_suspended",
    reason: "client_disabled_or_unknown",
  },
  {
    error: "unauthorized_client",
    description: "Invalid client or Invalid client credentials",
    code: "client_suspended",
    reason: "client_credentials_rejected",
  },
  // Flows the client is not configured for: our configuration, not a suspension.
  {
    error: "unauthorized_client",
    description:
      /^(Client not enabled to retrieve service account|Client not allowed for direct access grants|Public client not allowed to retrieve service account)$/,
    code: "config_invalid",
  },
  // Standard token exchange (v2, docs/reference/keycloak.md §8): the realm's policy for this client
  // and these audiences says no. A denial: the same request fails the same way until an admin acts.
  {
    error: "invalid_request",
    description: "Standard token exchange is not enabled for the requested client",
    code: "access_blocked",
    reason: "exchange_not_enabled",
  },
  {
    error: "access_denied",
    description: "Client is not within the token audience",
    code: "access_blocked",
    reason: "not_in_subject_audience",
  },
  {
    error: "invalid_request",
    description: /^Requested audience not available: /,
    code: "access_blocked",
    reason: "audience_not_available",
  },
  // DPoP (docs/reference/keycloak.md §9): the client requires DPoP-bound tokens (`dpop.bound.access.tokens`)
  // and the request came without a proof — the provider is configured without `dpop`.
  {
    error: "invalid_request",
    description: "DPoP proof is missing",
    code: "config_invalid",
    reason: "dpop_required",
  },
  // A bound refresh token (a public client's) with a proof of another key: the session's key is not
  // the one it was bound to — lost, or the token is in someone else's hands. Sign in again.
  {
    error: "invalid_grant",
    description: "DPoP confirmation doesn't match DPoP proof",
    code: "session_revoked",
    reason: "dpop_key_mismatch",
  },
  // The tenant: the realm disabled, or gone.
  {
    status: 403,
    error: "access_denied",
    description: "Realm not enabled",
    code: "tenant_unavailable",
    reason: "realm_disabled",
  },
  { status: 404, code: "tenant_unavailable", reason: "realm_not_found" },
];

/**
 * Token exchange only (docs/reference/keycloak.md §8): Keycloak answers one
 * "Invalid token" for a subject token that is forged, broken, expired, or
 * whose person was disabled or whose session ended since — all the same to
 * the caller: that token cannot be exchanged.
 */
export const KEYCLOAK_EXCHANGE_ERROR_RULES: readonly ErrorRule[] = [
  { error: "invalid_request", description: "Invalid token", code: "token_invalid", reason: "subject_token" },
];
