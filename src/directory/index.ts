/**
 * `idswitch/directory`: the directory mirror. Copies users, groups and app
 * role assignments from Microsoft Entra ID (Microsoft Graph) into Keycloak
 * (its Admin REST API), so the EU provider is a hot spare; and reports who
 * could sign in there tomorrow.
 *
 * @example
 * import { entraDirectory, keycloakDirectory, mirror, readiness, formatReadiness } from "idswitch/directory";
 *
 * const source = entraDirectory({ tenantId, clientId, clientSecret });
 * const target = keycloakDirectory({ url, realm: "acme", clientId: "idswitch-mirror", clientSecret: kcSecret, clients: ["web"] });
 * await mirror({ source, target, state, disables: { policy: "propagate", trustedInitiators: ["it-admin@contoso.com"] } }).apply();
 * console.log(formatReadiness(await readiness({ source, target })));
 *
 * @module idswitch/directory
 */
export type { EntraDirectoryOptionsInput } from "./entra/options.js";
export { type DirectorySource, entraDirectory } from "./entra/source.js";
export type { KeycloakDirectoryOptionsInput } from "./keycloak/options.js";
export {
  checkPasskeyRealm,
  type PasskeyPreparation,
  type PasskeyRealmCheck,
  type PasskeyRealmOptions,
  type PasskeyRealmProblem,
  preparePasskeys,
} from "./keycloak/passkeys.js";
export type { LinkAttributeCheck, LinkAttributeProblem, SetupStep } from "./keycloak/setup.js";
export { checkLinkAttribute, KeycloakTarget, keycloakDirectory } from "./keycloak/target.js";
export { type ApplyOptions, type Mirror, mirror } from "./mirror/mirror.js";
export type { MirrorOptionsInput, RoleMapping } from "./mirror/options.js";
export type {
  BrakeReport,
  Divergence,
  MirrorAction,
  MirrorActionKind,
  MirrorPlan,
  MirrorProgress,
  MirrorResult,
  QuarantinedPerson,
  QuarantineReason,
} from "./mirror/result.js";
export { type Onboarding, onboard } from "./onboard/onboard.js";
export type { OnboardOptionsInput } from "./onboard/options.js";
export type {
  OnboardEmail,
  OnboardPlan,
  OnboardProblem,
  OnboardProgress,
  OnboardResult,
  OnboardSkipped,
} from "./onboard/result.js";
export { CREDENTIAL_KINDS, type CredentialKind } from "./readiness/credentials.js";
export { formatReadiness, initiatorLabel, quarantineLine } from "./readiness/format.js";
export { type Invitation, invitations, type ReadinessFunnel } from "./readiness/funnel.js";
export { type ReadinessHtmlOptions, readinessHtml } from "./readiness/html.js";
export {
  type ReadinessGap,
  type ReadinessOptionsInput,
  type ReadinessPerson,
  type ReadinessProblem,
  type ReadinessReport,
  type RecoveryAtRisk,
  readiness,
} from "./readiness/report.js";
export type {
  AccountEvent,
  AuditInitiator,
  GroupChange,
  GroupPage,
  ResumePoint,
  SourceGroup,
  SourceRoleAssignment,
  SourceUser,
  TargetGroup,
  TargetUser,
  UserChange,
  UserFields,
  UserPage,
  UserPresencePage,
} from "./types.js";
