/**
 * `grant_type=urn:ietf:params:oauth:grant-type:device_code` (RFC 8628,
 * docs/reference/keycloak.md §2.3). The error codes are RFC 8628's; [guess] the
 * descriptions, which docs/reference/keycloak.md does not quote.
 */

import { type Grant, sessionActive, sessionUser } from "./grant-support.js";
import { fail, invalidGrant } from "./http.js";
import { tokenResponse } from "./tokens.js";

export const deviceCodeGrant: Grant = async (core, ctx, realm, client) => {
  if (!client.deviceFlow) {
    fail(
      400,
      "unauthorized_client",
      "Client is not allowed to initiate OAuth 2.0 Device Authorization Grant. The flow is disabled for the client.",
    );
  }
  const deviceCode = ctx.form.get("device_code");
  if (!deviceCode) fail(400, "invalid_request", "Missing parameter: device_code");
  const flow = core.sessions.deviceFlow(deviceCode);
  if (!flow || flow.realm !== realm.name || flow.clientId !== client.clientId || flow.status === "redeemed") {
    invalidGrant("Device code not valid");
  }
  const now = core.now();
  if (flow.expiresAt <= now) fail(400, "expired_token", "Device code is expired");
  const previous = flow.lastPoll;
  flow.lastPoll = now;
  // A little slack: a client that waits exactly `interval` must not be told to slow down.
  if (previous !== undefined && now - previous < flow.interval * 1000 - 500)
    fail(400, "slow_down", "Slow down");
  if (flow.status === "pending")
    fail(400, "authorization_pending", "The authorization request is still pending");
  if (flow.status === "denied") fail(400, "access_denied", "The end user denied the authorization request.");
  const session = flow.sessionId === undefined ? undefined : core.sessions.session(flow.sessionId);
  if (!sessionActive(core, realm, session)) invalidGrant("Session not active");
  const user = sessionUser(realm, session);
  flow.status = "redeemed";
  session.clients.add(client.clientId);
  return tokenResponse(core, {
    realm,
    client,
    user,
    session,
    scope: flow.scope,
    grant: "dg",
    acr: "1",
    clientAddress: ctx.remoteAddress,
  });
};
