/**
 * A confidential Keycloak client of its own for each app under test, with
 * the app's real callback URL (on its random port) as the only redirect URI:
 * the shared realm's `app` client allows localhost:3000 only, and Keycloak
 * compares redirect URIs exactly.
 */
import { randomUUID } from "node:crypto";
import { inject } from "vitest";

export interface KeycloakTestClient {
  readonly clientId: string;
  readonly clientSecret: string;
  remove(): Promise<void>;
}

export async function createKeycloakClient(options: {
  redirectUri: string;
  postLogoutRedirectUri: string;
  /** Where Keycloak posts logout tokens (one per session, with `sid`). */
  backchannelLogoutUrl?: string;
}): Promise<KeycloakTestClient> {
  const base = inject("keycloakUrl");
  const token = await adminToken(base);
  const clientId = `integrations-${randomUUID().slice(0, 8)}`;
  const clientSecret = `secret-${randomUUID()}`;
  const response = await fetch(`${base}/admin/realms/idswitch/clients`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      clientId,
      secret: clientSecret,
      protocol: "openid-connect",
      publicClient: false,
      standardFlowEnabled: true,
      directAccessGrantsEnabled: false,
      redirectUris: [options.redirectUri],
      attributes: {
        "post.logout.redirect.uris": options.postLogoutRedirectUri,
        "pkce.code.challenge.method": "S256",
        ...(options.backchannelLogoutUrl
          ? {
              "backchannel.logout.url": options.backchannelLogoutUrl,
              "backchannel.logout.session.required": "true",
            }
          : {}),
      },
    }),
  });
  if (response.status !== 201) throw new Error(`creating a Keycloak client failed: HTTP ${response.status}`);
  const location = response.headers.get("location") ?? "";
  return {
    clientId,
    clientSecret,
    remove: async () => {
      const removed = await fetch(location, {
        method: "DELETE",
        headers: { authorization: `Bearer ${await adminToken(base)}` },
      });
      await removed.body?.cancel();
    },
  };
}

async function adminToken(base: string): Promise<string> {
  const { username, password } = inject("keycloakAdmin");
  const response = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username, password }),
  });
  if (!response.ok) throw new Error(`Keycloak admin token: HTTP ${response.status}`);
  return ((await response.json()) as { access_token: string }).access_token;
}
