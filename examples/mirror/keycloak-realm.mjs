// @ts-check
// A throwaway Keycloak realm for the example and the benchmark: a service-account client `mirror` with the
// realm-management roles the mirror needs, and a web client `app` whose tokens get the `entra_id` claim.
// Created and deleted through the master admin (admin-cli); never use this against a production server.

/**
 * @param {string} base Keycloak's base URL
 * @param {string} realm the realm to create
 * @param {{ username: string, password: string }} [admin] the master realm's admin
 */
export async function createRealm(base, realm, admin = { username: "admin", password: "admin" }) {
  const token = await masterToken(base, admin);
  const response = await fetch(`${base}/admin/realms`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      realm,
      enabled: true,
      sslRequired: "none",
      clients: [
        {
          clientId: "mirror",
          publicClient: false,
          secret: "mirror-secret",
          serviceAccountsEnabled: true,
          standardFlowEnabled: false,
        },
        {
          clientId: "app",
          publicClient: false,
          secret: "app-secret",
          redirectUris: ["http://localhost:3000/callback"],
        },
      ],
      users: [
        {
          username: "service-account-mirror",
          enabled: true,
          serviceAccountClientId: "mirror",
          clientRoles: {
            "realm-management": [
              "manage-users",
              "view-users",
              "query-users",
              "query-groups",
              "manage-realm",
              "view-realm",
              "manage-clients",
              "view-clients",
            ],
          },
        },
      ],
    }),
  });
  if (!response.ok) throw new Error(`creating realm ${realm}: HTTP ${response.status}`);
}

/**
 * @param {string} base Keycloak's base URL
 * @param {string} realm the realm to delete
 * @param {{ username: string, password: string }} [admin] the master realm's admin
 */
export async function deleteRealm(base, realm, admin = { username: "admin", password: "admin" }) {
  const token = await masterToken(base, admin);
  await fetch(`${base}/admin/realms/${realm}`, {
    method: "DELETE",
    headers: { authorization: `Bearer ${token}` },
  });
}

/**
 * @param {string} base Keycloak's base URL
 * @param {{ username: string, password: string }} admin the master realm's admin
 */
async function masterToken(base, { username, password }) {
  const response = await fetch(`${base}/realms/master/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "password", client_id: "admin-cli", username, password }),
  });
  if (!response.ok) throw new Error(`master admin token: HTTP ${response.status}`);
  return (await response.json()).access_token;
}
