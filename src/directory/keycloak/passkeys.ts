/**
 * Whether the spare realm is ready for passkeys (passkey-policy.ts says what
 * that takes), and the step that makes it so.
 *
 * Keycloak reads the WebAuthn passwordless policy from a realm update only
 * when the request carries `webAuthnPolicyPasswordlessRpEntityName`, and then
 * rebuilds the whole policy from that request, defaults for whatever it
 * leaves out: `PUT /admin/realms/{realm}` with just
 * `{"webAuthnPolicyPasswordlessPasskeysEnabled":true}` answers 204 and changes
 * nothing, and one with the entity name too resets the relying-party id and
 * the extra origins (docs/reference/keycloak.md §5.9). So
 * {@link preparePasskeys} reads the realm, changes the policy fields in that
 * whole representation, writes it back, and reads it again to prove the
 * change held.
 *
 * It leaves `smtpServer` out of that write: Keycloak then keeps the realm's
 * mail settings as they are. Sent back as read they could lose the password,
 * which Keycloak only ever shows masked; and they are the organisation's.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { KeycloakHttp } from "./http.js";
import {
  actionProblem,
  findAction,
  PASSWORDLESS_ACTION,
  type PasskeyRealmFields,
  type PasskeyRealmProblem,
  policyPatch,
  policyProblems,
  type RequiredActionFields,
  rpIdFinding,
  smtpProblems,
} from "./passkey-policy.js";
import type { KeycloakTarget } from "./target.js";

export type { PasskeyRealmProblem } from "./passkey-policy.js";

/**
 * What {@link checkPasskeyRealm} found: `ready` when nothing in `problems` stands between a person and
 * registering a passkey from the e-mail Keycloak sends them.
 *
 * @example
 * const check = await checkPasskeyRealm(target, { issuer: "https://auth.example.eu/realms/acme" });
 * if (!check.ready) console.error(`realm ${check.realm} is not ready for passkeys: ${check.problems.length} settings`);
 */
export interface PasskeyRealmCheck {
  readonly realm: string;
  /** The public host the relying-party id was compared with (the issuer's). */
  readonly host: string;
  /** The relying-party id as configured (`""`: taken from each request's host). */
  readonly rpId: string;
  readonly ready: boolean;
  readonly problems: readonly PasskeyRealmProblem[];
  /** Worth knowing, not blocking: an empty relying-party id (`rp-id-from-request`). */
  readonly warnings: readonly PasskeyRealmProblem[];
}

/**
 * Where browsers reach the realm. `issuer` is its public issuer — the `issuer` of createIdentity's Keycloak
 * provider, `https://auth.example.eu/realms/acme`. The relying-party id is checked against its host; without it,
 * the host of the target's `url`, which is wrong when the mirror reaches Keycloak by an internal name.
 *
 * @example
 * const options: PasskeyRealmOptions = { issuer: "https://auth.example.eu/realms/acme" };
 * await preparePasskeys(target, options);
 */
export interface PasskeyRealmOptions {
  readonly issuer?: string;
}

/**
 * What {@link preparePasskeys} changed (`webAuthnPolicyPasswordlessPasskeysEnabled`, the required action…)
 * and the realm's state afterwards: SMTP problems remain for the organisation to fix.
 *
 * @example
 * const { changed, check } = await preparePasskeys(target, { issuer });
 * console.log(`changed ${changed.join(", ") || "nothing"}; ready: ${check.ready}`);
 */
export interface PasskeyPreparation {
  readonly changed: readonly string[];
  readonly check: PasskeyRealmCheck;
}

/**
 * Whether the target's realm is ready for passkeys, each missing setting named with its fix: the WebAuthn
 * passwordless policy (a relying-party id covering the public host, passkeys enabled, user verification and
 * resident key `required`), the `webauthn-register-passwordless` required action enabled, and SMTP (`host` and
 * `from`) for the registration e-mail. An empty relying-party id is only a warning: Keycloak then takes each
 * request's host, which is fine while the realm has one fixed public hostname. Reads only; `idswitch doctor`
 * runs it. Needs the service account's `manage-realm` (or `view-realm`).
 *
 * @example
 * const check = await checkPasskeyRealm(target, { issuer: "https://auth.example.eu/realms/acme" });
 * for (const p of check.problems) console.error(`realm ${check.realm}, ${p.where}: ${p.problem}. Fix: ${p.fix}`);
 */
export async function checkPasskeyRealm(
  target: KeycloakTarget,
  options: PasskeyRealmOptions = {},
): Promise<PasskeyRealmCheck> {
  const host = publicHost(target, options);
  const [realm, actions] = await Promise.all([readRealm(target.http), readActions(target.http)]);
  return inspect(target.http.realm, host, realm, actions);
}

/**
 * Applies the passkey policy to the target's realm: passkeys enabled, user verification and resident key
 * `required`, the relying-party id pinned to the issuer's host when it is empty and `issuer` is given, and the
 * `webauthn-register-passwordless` required action registered and enabled. Writes only what differs, through a
 * full realm representation (Keycloak ignores the policy in a partial one), reads the realm back and throws
 * `config_invalid` (reason `passkey_policy_ignored`) when the change did not hold. Never writes SMTP.
 * Refuses, writing nothing, a relying-party id that does not cover the host (reason `passkey_rp_id_mismatch`):
 * changing it would strand the passkeys already registered for it.
 *
 * @example
 * const { changed, check } = await preparePasskeys(target, { issuer: "https://auth.example.eu/realms/acme" });
 * for (const p of check.problems) console.error(`still to do: ${p.where}: ${p.fix}`); // SMTP is the organisation's
 */
export async function preparePasskeys(
  target: KeycloakTarget,
  options: PasskeyRealmOptions = {},
): Promise<PasskeyPreparation> {
  const { http } = target;
  const host = publicHost(target, options);
  const realm = await readRealm(http);
  const mismatch = rpIdFinding(realm, host);
  if (mismatch?.kind === "rp-id-mismatch") throw refused(http, mismatch);
  const changed = await applyPolicy(http, realm, options.issuer === undefined ? undefined : host);
  if (await enableAction(http)) changed.push(`required action ${PASSWORDLESS_ACTION}`);
  const check = await checkPasskeyRealm(target, options);
  return { changed, check };
}

function inspect(
  name: string,
  host: string,
  realm: PasskeyRealmFields,
  actions: readonly RequiredActionFields[],
): PasskeyRealmCheck {
  const rp = rpIdFinding(realm, host);
  const problems = [
    ...(rp?.kind === "rp-id-mismatch" ? [rp] : []),
    ...policyProblems(realm),
    ...[actionProblem(actions)].filter((p) => p !== undefined),
    ...smtpProblems(realm),
  ];
  const warnings = rp?.kind === "rp-id-from-request" ? [rp] : [];
  const rpId = realm.webAuthnPolicyPasswordlessRpId ?? "";
  return { realm: name, host, rpId, ready: problems.length === 0, problems, warnings };
}

/** Writes the policy fields that differ (full representation, SMTP left out) and proves they held. */
async function applyPolicy(
  http: KeycloakHttp,
  realm: PasskeyRealmFields,
  host: string | undefined,
): Promise<string[]> {
  const patch = policyPatch(realm, host);
  const fields = Object.keys(patch);
  if (fields.length === 0) return [];
  // Absent, `smtpServer` is kept as it is; present, Keycloak would rewrite it with what was read.
  const body: Record<string, unknown> = { ...realm, ...patch };
  delete body.smtpServer;
  await http.call("PUT", "", body);
  const after = await readRealm(http);
  const ignored = fields.filter((f) => after[f] !== patch[f]);
  if (ignored.length > 0) throw ignoredWrite(http, ignored);
  return fields;
}

/** Registers and enables the required action when needed; whether anything was written. */
async function enableAction(http: KeycloakHttp): Promise<boolean> {
  let action = findAction(await readActions(http));
  if (action?.enabled === true) return false;
  if (!action) {
    // Deleted, or left without its alias by a partial update: registering it again gives an aliased entry.
    await http.call("POST", "/authentication/register-required-action", {
      providerId: PASSWORDLESS_ACTION,
      name: "Webauthn Register Passwordless",
    });
    action = findAction(await readActions(http));
    if (action?.enabled === true) return true;
  }
  const alias = action?.alias ?? PASSWORDLESS_ACTION;
  await http.call("PUT", `/authentication/required-actions/${encodeURIComponent(alias)}`, {
    ...action,
    alias,
    providerId: action?.providerId ?? PASSWORDLESS_ACTION,
    enabled: true,
  });
  if (findAction(await readActions(http))?.enabled !== true) throw ignoredWrite(http, [alias]);
  return true;
}

function readRealm(http: KeycloakHttp): Promise<PasskeyRealmFields> {
  return http.get<PasskeyRealmFields>("");
}

function readActions(http: KeycloakHttp): Promise<RequiredActionFields[]> {
  return http.get<RequiredActionFields[]>("/authentication/required-actions");
}

/** The host browsers use: the issuer's if given, else the target URL's (no port: an RP ID is a domain). */
function publicHost(target: KeycloakTarget, { issuer }: PasskeyRealmOptions): string {
  const url = issuer ?? target.options.url;
  try {
    return new URL(url).hostname;
  } catch {
    throw new TypeError(`passkeys: issuer must be a URL, got ${JSON.stringify(url)}`);
  }
}

function refused(http: KeycloakHttp, problem: PasskeyRealmProblem): IdSwitchError {
  return new IdSwitchError(
    "config_invalid",
    `${http.provider}: realm "${http.realm}" ${problem.where} ${problem.problem}. Fix: ${problem.fix}`,
    {
      provider: http.provider,
      reason: "passkey_rp_id_mismatch",
      issues: [{ path: `realm "${http.realm}", ${problem.where}`, message: problem.problem }],
    },
  );
}

function ignoredWrite(http: KeycloakHttp, fields: readonly string[]): IdSwitchError {
  return new IdSwitchError(
    "config_invalid",
    `${http.provider}: realm "${http.realm}" accepted the passkey settings but kept its old ${fields.join(", ")} (passkeys need Keycloak 26.4 or later, feature "passkeys" enabled)`,
    { provider: http.provider, reason: "passkey_policy_ignored" },
  );
}
