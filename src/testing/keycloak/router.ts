/**
 * Path → endpoint. Everything lives under `/realms/{realm}/` (docs/reference/keycloak.md §2);
 * a realm that does not exist is 404 `{"error":"Realm does not exist"}`
 * (the captured fixture) on every path of it.
 */
import { authorizeReply } from "./authorize.js";
import type { Core } from "./core.js";
import { deviceAuthorizationReply, devicePageReply, deviceStatusReply } from "./device.js";
import { discoveryReply } from "./discovery.js";
import type { EndpointKind } from "./faults.js";
import { json, metadata, type Reply, type RequestContext } from "./http.js";
import { introspectionReply, revocationReply } from "./introspection.js";
import { jwksOf } from "./keys.js";
import { authenticateReply, consentReply, requiredActionReply, showStepReply } from "./login-actions.js";
import { logoutReply } from "./logout.js";
import type { RealmRecord } from "./model.js";
import { isPasskeyForm, passkeyLoginReply } from "./passkey-login.js";
import { PASSKEY_ACTION } from "./passkey-pages.js";
import { passkeyRegistrationReply } from "./passkey-registration.js";
import { realmInfo } from "./realm-info.js";
import { tokenReply } from "./token-endpoint.js";
import { userinfoReply } from "./userinfo.js";

type Handler = (core: Core, ctx: RequestContext, realm: RealmRecord) => Reply | Promise<Reply>;

interface RealmRoute {
  readonly kind: EndpointKind;
  readonly handle: Handler;
}

const OIDC = "protocol/openid-connect";
const postOr =
  (post: Handler, get: Handler): Handler =>
  (core, ctx, realm) =>
    ctx.method === "POST" ? post(core, ctx, realm) : get(core, ctx, realm);

const ROUTES: Readonly<Record<string, RealmRoute>> = {
  "": { kind: "other", handle: async (core, _ctx, realm) => metadata(await realmInfo(core, realm)) },
  ".well-known/openid-configuration": {
    kind: "discovery",
    handle: (core, _ctx, realm) => discoveryReply(core, realm),
  },
  [`${OIDC}/certs`]: {
    kind: "jwks",
    handle: async (_core, _ctx, realm) => metadata(jwksOf(await realm.keys)),
  },
  [`${OIDC}/auth`]: { kind: "authorize", handle: authorizeReply },
  [`${OIDC}/auth/device`]: { kind: "devicecode", handle: deviceAuthorizationReply },
  [`${OIDC}/token`]: { kind: "token", handle: tokenReply },
  [`${OIDC}/token/introspect`]: { kind: "other", handle: introspectionReply },
  [`${OIDC}/revoke`]: { kind: "other", handle: revocationReply },
  [`${OIDC}/userinfo`]: { kind: "other", handle: userinfoReply },
  [`${OIDC}/logout`]: { kind: "other", handle: logoutReply },
  "login-actions/authenticate": {
    kind: "authorize",
    handle: postOr(
      (core, ctx, realm) =>
        isPasskeyForm(ctx) ? passkeyLoginReply(core, ctx, realm) : authenticateReply(core, ctx, realm),
      showStepReply,
    ),
  },
  "login-actions/required-action": {
    kind: "authorize",
    handle: postOr(
      (core, ctx, realm) =>
        ctx.url.searchParams.get("execution") === PASSKEY_ACTION
          ? passkeyRegistrationReply(core, ctx, realm)
          : requiredActionReply(core, ctx, realm),
      showStepReply,
    ),
  },
  "login-actions/consent": { kind: "authorize", handle: postOr(consentReply, showStepReply) },
  device: { kind: "authorize", handle: devicePageReply },
  "device/status": { kind: "authorize", handle: deviceStatusReply },
};

export interface Route {
  readonly kind: EndpointKind;
  readonly run: (core: Core, ctx: RequestContext) => Reply | Promise<Reply>;
}

export function routeOf(pathname: string): Route | undefined {
  const match = /^\/realms\/([^/]+)(?:\/(.*?))?\/?$/.exec(pathname);
  const segment = match?.[1];
  const route = ROUTES[match?.[2] ?? ""];
  if (segment === undefined || !route) return undefined;
  return {
    kind: route.kind,
    run: (core, ctx) => {
      const realm = core.realms.get(decodeURIComponent(segment));
      if (!realm) return json(404, { error: "Realm does not exist" });
      return route.handle(core, ctx, realm);
    },
  };
}
