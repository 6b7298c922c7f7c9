/**
 * idswitch: one OpenID Connect interface in front of Microsoft Entra ID,
 * Keycloak and any standard provider.
 *
 * This entry imports no driver and no framework; those have their own entry points.
 */

export {
  AllProvidersFailedError,
  type ConfigIssue,
  ERROR_CODES,
  type ErrorCode,
  IdSwitchError,
  isIdSwitchError,
  type ProviderAnswer,
  type TokenInvalidReason,
} from "./core/errors.js";
export { MemoryStateStore, type MemoryStateStoreOptions } from "./core/memory-state-store.js";
export type { FetchLike, Logger, Runtime, RuntimeOptions } from "./core/runtime.js";
export type { SetOptions, StateStore, StateValue } from "./core/state-store.js";
export type { Claims, Principal, ProviderHealth, ProviderStatus, Session, TokenSet } from "./core/types.js";
export {
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
export { MemoryLinkStore } from "./links/memory-link-store.js";
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
  LoginRequest,
  LoginState,
  LogoutUrlOptions,
  Provider,
  VerifyOptions,
} from "./providers/provider.js";
