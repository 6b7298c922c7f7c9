/**
 * What a realm needs before people can register and use passkeys, read from
 * its representation and its required actions. Pure: no request is made here
 * (passkeys.ts reads and writes).
 *
 * The settings are those of Keycloak's "WebAuthn Passwordless Policy"
 * (Server Administration Guide, "Passkeys" and "Managing policies"; Admin REST
 * API `RealmRepresentation.webAuthnPolicyPasswordless*`), checked against
 * W3C WebAuthn Level 2:
 *
 * - the relying-party id must equal the host the browser is on, or be a
 *   registrable suffix of it (§5.1.4.1, "RP ID"): a credential made for one
 *   RP ID is never offered on another host. Keycloak leaves it empty by
 *   default and then takes the host of each request — fine while the realm
 *   has one fixed public hostname, so an empty one is a warning, not a
 *   problem;
 * - a passkey is a discoverable credential (§6.2.2, `residentKey: "required"`)
 *   verified on the device (§6.2.3, `userVerification: "required"`): without
 *   both the person would still need a username and a second factor;
 * - `webAuthnPolicyPasswordlessPasskeysEnabled` turns on the passkey
 *   sign-in on Keycloak's login page (Keycloak 26.4 and later);
 * - the `webauthn-register-passwordless` required action is what an
 *   execute-actions e-mail asks the person to do;
 * - and that e-mail needs SMTP: without a `from` address Keycloak answers
 *   500 "Invalid sender address 'null'" (docs/reference/keycloak.md §5.9).
 */

/** The fields of Keycloak's `RealmRepresentation` read here. */
export interface PasskeyRealmFields {
  webAuthnPolicyPasswordlessRpId?: string | null;
  webAuthnPolicyPasswordlessPasskeysEnabled?: boolean | null;
  webAuthnPolicyPasswordlessUserVerificationRequirement?: string | null;
  webAuthnPolicyPasswordlessResidentKey?: string | null;
  smtpServer?: Record<string, string | undefined> | null;
  [key: string]: unknown;
}

/** Keycloak's `RequiredActionProviderRepresentation`. */
export interface RequiredActionFields {
  alias?: string;
  providerId?: string;
  name?: string;
  enabled?: boolean;
  [key: string]: unknown;
}

/** The required action an execute-actions e-mail names to have a person register a passkey. */
export const PASSWORDLESS_ACTION = "webauthn-register-passwordless";

/**
 * One setting a realm lacks for passkeys: what is wrong, where, and the change that fixes it.
 *
 * @example
 * const check = await checkPasskeyRealm(target, { issuer: "https://auth.example.eu/realms/acme" });
 * for (const p of check.problems) console.log(`${p.where}: ${p.problem}. Fix: ${p.fix}`);
 */
export interface PasskeyRealmProblem {
  /**
   * - `rp-id-mismatch`: the relying-party id does not cover the realm's public host;
   * - `rp-id-from-request`: empty, so Keycloak takes each request's host (a warning: fine with one fixed hostname);
   * - `passkeys-disabled`: `webAuthnPolicyPasswordlessPasskeysEnabled` is not `true`;
   * - `user-verification`, `resident-key`: not `required`;
   * - `required-action`: `webauthn-register-passwordless` missing or disabled;
   * - `smtp-host`, `smtp-from`: the realm cannot send the registration e-mail.
   */
  readonly kind:
    | "rp-id-mismatch"
    | "rp-id-from-request"
    | "passkeys-disabled"
    | "user-verification"
    | "resident-key"
    | "required-action"
    | "smtp-host"
    | "smtp-from";
  /** The setting, as the realm representation names it (`webAuthnPolicyPasswordlessRpId`, `smtpServer.from`…). */
  readonly where: string;
  readonly problem: string;
  /** The change to make, in the admin console's words. */
  readonly fix: string;
}

const POLICY = "Authentication → Policies → Webauthn Passwordless Policy";
const PREPARE = "preparePasskeys() sets it";

/** Whether `rpId` may be used on `host`: equal, or a suffix of it at a label boundary (WebAuthn §5.1.4.1). */
export function rpIdCovers(rpId: string, host: string): boolean {
  const id = rpId.toLowerCase();
  const at = host.toLowerCase();
  // An IP address has no parent domain: only the same address will do.
  if (/^[\d.]+$/.test(at) || at.startsWith("[")) return id === at;
  // A single label ("eu", "com") is a public suffix, which browsers refuse as an RP ID; a full check would
  // need the Public Suffix List, so "co.uk"-like ids still pass here.
  return at === id || (id.includes(".") && at.endsWith(`.${id}`));
}

/** The relying-party id against the public host: a problem, a warning (empty), or nothing. */
export function rpIdFinding(realm: PasskeyRealmFields, host: string): PasskeyRealmProblem | undefined {
  const rpId = realm.webAuthnPolicyPasswordlessRpId ?? "";
  const where = "webAuthnPolicyPasswordlessRpId";
  if (rpId === "") {
    return {
      kind: "rp-id-from-request",
      where,
      problem: `empty: Keycloak takes the relying-party id from each request's host, so a passkey works only on the hostname it was registered through (fine while "${host}" is the realm's one fixed public hostname)`,
      fix: `set Relying party ID to "${host}" (${POLICY}) to bind passkeys to it whatever hostname a request arrives on; ${PREPARE} when given the realm's issuer`,
    };
  }
  if (rpIdCovers(rpId, host)) return undefined;
  return {
    kind: "rp-id-mismatch",
    where,
    problem: `"${rpId}" is neither "${host}" nor a parent domain of it: browsers refuse to create or use a passkey for it on ${host}`,
    fix: `set Relying party ID to "${host}" (${POLICY}); passkeys registered for "${rpId}" stop working there`,
  };
}

/** The policy settings other than the relying-party id, each a problem when not as passkeys need it. */
export function policyProblems(realm: PasskeyRealmFields): PasskeyRealmProblem[] {
  const problems: PasskeyRealmProblem[] = [];
  if (realm.webAuthnPolicyPasswordlessPasskeysEnabled !== true) {
    problems.push({
      kind: "passkeys-disabled",
      where: "webAuthnPolicyPasswordlessPasskeysEnabled",
      problem: `is ${String(realm.webAuthnPolicyPasswordlessPasskeysEnabled ?? "unset")}: the login page offers no passkey sign-in`,
      fix: `turn on Enable passkeys (${POLICY}); through the Admin API only a full realm representation applies it; ${PREPARE}`,
    });
  }
  const required = [
    [
      "user-verification",
      "webAuthnPolicyPasswordlessUserVerificationRequirement",
      "User verification requirement",
      "the device would not check that its owner is present, and a passkey alone would not be two factors",
    ],
    [
      "resident-key",
      "webAuthnPolicyPasswordlessResidentKey",
      "Discoverable credential (resident key)",
      "the credential might not be discoverable, so the person would have to type a username first",
    ],
  ] as const;
  for (const [kind, field, label, why] of required) {
    const value = realm[field];
    if (value === "required") continue;
    problems.push({
      kind,
      where: field,
      problem: `is "${value ?? "unset"}", not "required": ${why}`,
      fix: `set ${label} to Required (${POLICY}); ${PREPARE}`,
    });
  }
  return problems;
}

/** The `webauthn-register-passwordless` required action: a problem when missing or disabled. */
export function actionProblem(actions: readonly RequiredActionFields[]): PasskeyRealmProblem | undefined {
  const action = findAction(actions);
  if (action?.enabled === true) return undefined;
  return {
    kind: "required-action",
    where: `required action "${PASSWORDLESS_ACTION}"`,
    problem: action
      ? "is disabled: an execute-actions e-mail asking for it is refused"
      : actions.some((a) => a.providerId === PASSWORDLESS_ACTION)
        ? "has lost its alias (a partial update erases it), so Keycloak cannot find it by name: an execute-actions e-mail asking for it is refused"
        : "is not registered in the realm: an execute-actions e-mail asking for it is refused",
    fix: `enable "Webauthn Register Passwordless" (Authentication → Required actions); ${PREPARE}`,
  };
}

/** SMTP: `host` and `from` must be set for the registration e-mail to go out. Never changed by idswitch. */
export function smtpProblems(realm: PasskeyRealmFields): PasskeyRealmProblem[] {
  const smtp = realm.smtpServer ?? {};
  const problems: PasskeyRealmProblem[] = [];
  if (!smtp.host?.trim()) {
    problems.push({
      kind: "smtp-host",
      where: "smtpServer.host",
      problem: "no SMTP server: Keycloak cannot send the e-mail that asks a person to register a passkey",
      fix: "set the organisation's SMTP server under Realm settings → Email (Host, Port, and authentication if it needs it)",
    });
  }
  if (!smtp.from?.trim()) {
    problems.push({
      kind: "smtp-from",
      where: "smtpServer.from",
      problem: `no sender address: Keycloak fails every execute-actions e-mail with 500 "Invalid sender address 'null'"`,
      fix: "set From (and preferably From display name) under Realm settings → Email",
    });
  }
  return problems;
}

/**
 * The required action, by its alias: what an execute-actions e-mail names. An entry of that provider without
 * the alias does not count — a partial `PUT` of a required action erases its alias and name (answering 204),
 * and Keycloak no longer finds it by name.
 */
export function findAction(actions: readonly RequiredActionFields[]): RequiredActionFields | undefined {
  return actions.find((a) => a.alias === PASSWORDLESS_ACTION);
}

/**
 * The passwordless-policy fields to change for passkeys, as a patch over the realm representation; empty when
 * none. The relying-party id is pinned only when `host` is given and the realm leaves it empty.
 */
export function policyPatch(
  realm: PasskeyRealmFields,
  host: string | undefined,
): Partial<PasskeyRealmFields> {
  const patch: Partial<PasskeyRealmFields> = {};
  if (host !== undefined && !realm.webAuthnPolicyPasswordlessRpId)
    patch.webAuthnPolicyPasswordlessRpId = host;
  if (realm.webAuthnPolicyPasswordlessPasskeysEnabled !== true) {
    patch.webAuthnPolicyPasswordlessPasskeysEnabled = true;
  }
  if (realm.webAuthnPolicyPasswordlessUserVerificationRequirement !== "required") {
    patch.webAuthnPolicyPasswordlessUserVerificationRequirement = "required";
  }
  if (realm.webAuthnPolicyPasswordlessResidentKey !== "required") {
    patch.webAuthnPolicyPasswordlessResidentKey = "required";
  }
  return patch;
}
