/**
 * Entra's on-behalf-of request (docs/reference/entra-id.md §3.5;
 * https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-on-behalf-of-flow):
 * Entra has no RFC 8693 token exchange; an API trades the token it received
 * for one to a downstream API with the JWT bearer grant.
 */
import type { ExchangeRequest } from "../oidc/engine.js";
import type { ExchangeOptions } from "../provider.js";

export function onBehalfOfRequest(subjectToken: string, options: ExchangeOptions): ExchangeRequest {
  // The v2 endpoint names what it grants by scope only; an API by its app ID URI gets `<uri>/.default`
  // (every permission the API was granted for this person). `resource` is the v1 endpoint's word.
  const scope =
    options.scope ?? (options.audience ? `${options.audience.replace(/\/+$/, "")}/.default` : undefined);
  if (scope === undefined) {
    throw new TypeError("exchange: Entra ID names the downstream API by scope or audience, not resource");
  }
  return {
    grantType: "urn:ietf:params:oauth:grant-type:jwt-bearer",
    parameters: { assertion: subjectToken, requested_token_use: "on_behalf_of", scope },
  };
}
