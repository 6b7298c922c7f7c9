/**
 * idswitch: one OpenID Connect interface in front of Microsoft Entra ID,
 * Keycloak and any standard provider.
 *
 * This entry imports no driver and no framework; those have their own entry points.
 *
 * @module idswitch
 */

export {
  type DirectoryConfig,
  type DirectoryOptionsFromFile,
  directoryOptionsFromConfig,
} from "./config/directory.js";
export { type ConfigFile, configFileSchema, type FileProvider } from "./config/file-schema.js";
export { type Environment, identityOptionsFromConfig } from "./config/from-file.js";
export { configJsonSchema } from "./config/json-schema.js";
export {
  applyConfigVariables,
  CONFIG_VARIABLE_PREFIX,
  type ConfigVariable,
  type LayeredConfig,
} from "./config/variables.js";
export { parseConfig } from "./core/config.js";
export {
  AllProvidersFailedError,
  type ConfigIssue,
  ERROR_CODES,
  type ErrorCode,
  type ErrorReasons,
  IdSwitchError,
  type IdSwitchErrorOf,
  isIdSwitchError,
  type ProviderAnswer,
  type ProviderUnavailableReason,
  type ReasonOf,
  type TokenInvalidReason,
  withAlternatives,
} from "./core/errors.js";
export type { IdentityEventName, IdentityEvents, IdentityListener } from "./core/events.js";
export { MemoryStateStore, type MemoryStateStoreOptions } from "./core/memory-state-store.js";
export type { FetchLike, Logger, Runtime, RuntimeOptions } from "./core/runtime.js";
export type { SetOptions, StateStore, StateValue } from "./core/state-store.js";
export type {
  Claims,
  DpopKey,
  Principal,
  ProbeSurface,
  ProviderHealth,
  ProviderStatus,
  Session,
  TokenSet,
} from "./core/types.js";
export type { IdentityOptions, IdentityOptionsInput } from "./identity/options.js";
export {
  createIdentity,
  Identity,
  type IdentityBeginLoginOptions,
  type IdentityClientCredentialsOptions,
  type IdentityDeviceLoginOptions,
  type IdentityExchangeOptions,
  type IdentityHealth,
  type IdentityLoginRequest,
  type IdentityLoginState,
  type IdentitySession,
  type IdentityVerifyOptions,
  type PerProvider,
} from "./identity.js";
export {
  type AuthorityDecision,
  accountKey,
  type FindOrCreateOptions,
  type Link,
  LinkConflictError,
  type LinkMethod,
  type LinkResult,
  type LinkStore,
  type ListLinksOptions,
  type ProviderAccount,
} from "./links/link-store.js";
export type { EmailLookup, LinkClaimOption } from "./links/linker.js";
export { MemoryLinkStore } from "./links/memory-link-store.js";
export { type ClaimsChallenge, mergeClaimsRequests, parseClaimsChallenge } from "./providers/entra/cae.js";
export { hasGroupsOverage } from "./providers/entra/claims.js";
export { EntraProvider, type EntraProviderOptions, entraId } from "./providers/entra/index.js";
export { KeycloakProvider, type KeycloakProviderOptions, keycloak } from "./providers/keycloak/index.js";
export type { ErrorRule } from "./providers/oidc/errors.js";
export { OidcProvider, type OidcProviderOptions, oidc } from "./providers/oidc/index.js";
export type {
  AccountStatus,
  BeginLoginOptions,
  ClientCredentialsOptions,
  CompleteDeviceLoginOptions,
  DeviceLogin,
  DeviceLoginOptions,
  DiagnosticCheck,
  DpopProofRequest,
  ExchangeOptions,
  LoginRequest,
  LoginState,
  LogoutUrlOptions,
  Provider,
  ProviderEvent,
  VerifyOptions,
} from "./providers/provider.js";
export type { BreakerOptions, BreakerState } from "./routing/breaker.js";
export type { Drill, DrillOptions } from "./routing/drills.js";
export type { HedgeOptions } from "./routing/hedge.js";
export type { HealthCheckOptions, ProbeResult } from "./routing/prober.js";
export type { SuspensionMark } from "./routing/suspensions.js";
export type { RevocationSource, RevocationTarget, SessionRevoker } from "./sessions/revoker.js";
export * from "./signals/index.js";
export {
  checkDpopBinding,
  createDpopProof,
  DPOP_ALGORITHMS,
  type DpopContext,
  type DpopRequest,
} from "./tokens/dpop.js";
