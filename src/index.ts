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
export type { FetchLike, Logger, Runtime, RuntimeOptions } from "./core/runtime.js";
export type { Claims, Principal, ProviderHealth, ProviderStatus, Session, TokenSet } from "./core/types.js";
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
  LoginRequest,
  LoginState,
  LogoutUrlOptions,
  Provider,
  VerifyOptions,
} from "./providers/provider.js";
