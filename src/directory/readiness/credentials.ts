/**
 * What a person would sign in with at Keycloak, read from their credentials
 * (`GET /admin/realms/{realm}/users/{id}/credentials`) and linked identity
 * providers (`…/federated-identity`). Keycloak names a passkey
 * `webauthn-passwordless` and a security key used as a second factor
 * `webauthn` (Keycloak Server Administration Guide, "Passwordless WebAuthn
 * together with Two-Factor"); see docs/reference/keycloak.md §5.
 */

/**
 * A way to sign in at Keycloak, strongest first: `passkey` (a `webauthn-passwordless` credential), `otp`,
 * `password`, `brokered` (signs in through a linked identity provider), `other` (a credential type none of
 * these, e.g. a `webauthn` security key as second factor or recovery codes), `none`.
 *
 * @example
 * const report = await readiness({ source, target });
 * const withPasskey = report.people.filter((p) => p.kinds.includes("passkey")).length;
 */
export type CredentialKind = "passkey" | "otp" | "password" | "brokered" | "other" | "none";

/**
 * Every {@link CredentialKind}, in order of precedence: a person's `kind` is the first of these they hold.
 *
 * @example
 * for (const kind of CREDENTIAL_KINDS) console.log(kind, report.credentials[kind]);
 */
export const CREDENTIAL_KINDS: readonly CredentialKind[] = Object.freeze([
  "passkey",
  "otp",
  "password",
  "brokered",
  "other",
  "none",
]);

/** Keycloak credential types (CredentialModel#getType) and the kind each one is. */
const BY_TYPE: Readonly<Record<string, CredentialKind>> = {
  "webauthn-passwordless": "passkey",
  otp: "otp",
  password: "password",
};

/** The kinds a person holds (`target.signInMeans(id)`), strongest first, each once; `["none"]` when nothing. */
export function credentialKinds(means: {
  readonly credentials: readonly string[];
  readonly brokered: boolean;
}): CredentialKind[] {
  const held = new Set<CredentialKind>(means.credentials.map((type) => BY_TYPE[type] ?? "other"));
  if (means.brokered) held.add("brokered");
  const kinds = CREDENTIAL_KINDS.filter((kind) => held.has(kind));
  return kinds.length > 0 ? kinds : ["none"];
}

/**
 * Kinds that are more than a password and the mailbox behind it (a device they hold, or another identity
 * provider): without one, a forgotten password is recovered through a reset link to their e-mail only.
 */
const BESIDES_EMAIL: ReadonlySet<CredentialKind> = new Set(["passkey", "otp", "brokered"]);

/** Whether `kinds` leave the person's e-mail as their only way back in (see {@link BESIDES_EMAIL}). */
export function emailIsOnlyRecovery(kinds: readonly CredentialKind[]): boolean {
  return !kinds.some((kind) => BESIDES_EMAIL.has(kind));
}

/**
 * The at-risk domain an address is at (the domain itself or a subdomain of it), or undefined.
 * `domains` are lower case, as the options schema leaves them.
 */
export function atRiskDomain(email: string | undefined, domains: readonly string[]): string | undefined {
  const at = email?.lastIndexOf("@") ?? -1;
  if (!email || at < 0) return undefined;
  const host = email.slice(at + 1).toLowerCase();
  return domains.find((d) => host === d || host.endsWith(`.${d}`));
}
