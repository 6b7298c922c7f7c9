/**
 * Entra's AADSTS codes (docs/reference/entra-id.md §6.4, §6.6) → the taxonomy.
 *
 * Classification reads the integer `error_codes` of the answer, falling back
 * to the `AADSTSnnnn:` prefix of the description: Microsoft warns that the
 * top-level `error` string differs between v1 and v2 for the same code
 * (§6.5), and that description text changes. Every row names its section.
 */
import type { ErrorCode, ProviderAnswer } from "../../core/errors.js";
import type { ErrorRule } from "../oidc/errors.js";

/** The AADSTS numbers of an answer: `error_codes`, else the description's prefix. */
export function aadstsCodes(answer: ProviderAnswer): number[] {
  const listed = answer.details?.error_codes;
  if (Array.isArray(listed)) {
    const numbers = listed.filter((c): c is number => typeof c === "number");
    if (numbers.length > 0) return numbers;
  }
  const match = /^AADSTS(\d+)\b/.exec(answer.description ?? "");
  return match?.[1] ? [Number(match[1])] : [];
}

function row(codes: readonly number[], code: ErrorCode, reason: string): ErrorRule {
  return { when: (answer) => aadstsCodes(answer).some((c) => codes.includes(c)), code, reason };
}

export const ENTRA_ERROR_RULES: readonly ErrorRule[] = [
  // The person (§6.4, §6.6).
  row([50057], "account_disabled", "user_disabled"),
  row([50034], "account_disabled", "user_not_found"),
  row([50053], "account_locked", "locked_or_malicious_ip"), // one code for smart lockout and a malicious IP
  row([50055, 50144], "credentials_expired", "password_expired"),
  row([50126, 50056], "invalid_credentials", "wrong_password"),
  row([50076, 50079, 50072, 53004], "interaction_required", "mfa_required"),
  row([65001], "interaction_required", "consent_required"),
  row([50058], "interaction_required", "login_required"),
  row([70019, 70020], "interaction_required", "device_code_expired"),
  // Policy (§6.4: Conditional Access, risk, security defaults, app-role assignment, cross-tenant policy).
  row(
    [53003, 53000, 53001, 53002, 530003, 530032, 530035, 53011, 530034],
    "access_blocked",
    "conditional_access",
  ),
  row([50105], "access_blocked", "not_assigned"),
  row([500212, 500213], "access_blocked", "cross_tenant_policy"),
  // The session (§6.4, §7: revocation, inactivity, sign-in frequency, redeemed codes).
  row([50173, 50132, 50133], "session_revoked", "grant_revoked"),
  row([700082, 70008, 700084], "session_revoked", "refresh_token_expired"),
  row([70043], "session_revoked", "sign_in_frequency"),
  row([54005, 700005, 9002313, 70000], "session_revoked", "grant_invalid"),
  // The application (§6.4, §6.6, §9).
  row([7000112, 70001], "client_suspended", "app_disabled"),
  row([700016], "client_suspended", "app_not_found"),
  row([7000215, 7000222, 7000218, 700027, 50012, 700030], "client_suspended", "client_credentials_rejected"),
  row([500014], "client_suspended", "resource_disabled"),
  // A certificate assertion that is out of its time range or otherwise unusable (§9.2): this request's
  // credential, not the registration — a fresh assertion (or a corrected clock) can succeed.
  row([500133, 50013], "invalid_credentials", "client_assertion_invalid"),
  // The tenant (§6.4, §6.6).
  row([90002], "tenant_unavailable", "tenant_not_found"),
  row([5000225], "tenant_unavailable", "tenant_blocked_inactivity"),
  row([5000224], "tenant_unavailable", "tenant_decommissioned"),
  row([90055, 500021, 500022], "tenant_unavailable", "tenant_blocked"),
  // Throttling: loop detection is Entra telling the client to back off (§6.1).
  row([50196], "provider_unavailable", "rate_limited"),
  // Our own configuration.
  row([700025, 50194, 9002332, 90130, 90124, 90027, 500011, 50001], "config_invalid", "app_registration"),
  // Device flow: the user said no (§4.2; no AADSTS number is documented).
  { error: "authorization_declined", code: "access_blocked", reason: "user_declined" },
];

/**
 * On-behalf-of (§3.5): "assertion" is the person's token the API received,
 * not our client assertion, so the codes Entra shares between the two name
 * the subject token here — one the API should not have accepted (issued for
 * another app, signed by someone else, or expired).
 */
export const ENTRA_EXCHANGE_ERROR_RULES: readonly ErrorRule[] = [
  // 500131: issued for another app than this API; 50013: signed with a key Entra does not publish, or forged.
  row([500131, 50013], "token_invalid", "subject_token"),
  row([500133], "token_invalid", "expired"),
];
