/**
 * Passkeys at the real Keycloak spare: the realm is prepared by the SDK's own
 * `preparePasskeys()` — as an organisation would — through a service account
 * the demo keeps for that (`manage-realm` in realm-management; the test bed's
 * own clients stay as they are), and a person's password is removed through
 * the Admin REST API (`GET /users/{id}/credentials`, `DELETE
 * /users/{id}/credentials/{credentialId}`). The test bed realm has no SMTP:
 * the check reports it, and the demo needs none (it registers through
 * `kc_action`, not an e-mail).
 */
import { keycloakDirectory, preparePasskeys } from "idswitch/directory";

/** The demo's Admin REST client (keycloak-spare.ts), paths relative to `/admin/realms/{realm}`. */
export interface AdminApi {
  get<T>(path: string): Promise<T>;
  call(method: string, path: string, body?: unknown): Promise<void>;
}

const CLIENT = "idswitch-demo-passkeys";

export async function prepareRealmPasskeys(admin: AdminApi, url: string, realm: string): Promise<string[]> {
  const clientSecret = await ensureServiceAccount(admin);
  const target = keycloakDirectory({ id: "eu", url, realm, clientId: CLIENT, clientSecret });
  const { changed, check } = await preparePasskeys(target, { issuer: `${url}/realms/${realm}` });
  const blocking = check.problems.filter((p) => p.kind !== "smtp-host" && p.kind !== "smtp-from");
  if (blocking.length > 0) {
    const what = blocking.map((p) => `${p.where}: ${p.problem}`).join("; ");
    throw new Error(`realm ${realm} is not ready for passkeys (${what})`);
  }
  return [...changed];
}

async function userId(admin: AdminApi, username: string): Promise<string> {
  const [user] = await admin.get<Array<{ id: string }>>(
    `/users?${new URLSearchParams({ username, exact: "true" })}`,
  );
  if (!user) throw new Error(`no user "${username}" at the spare`);
  return user.id;
}

export async function removePassword(admin: AdminApi, username: string): Promise<boolean> {
  const user = { id: await userId(admin, username) };
  const credentials = await admin.get<Array<{ id: string; type: string }>>(`/users/${user.id}/credentials`);
  const passwords = credentials.filter((c) => c.type === "password");
  for (const password of passwords)
    await admin.call("DELETE", `/users/${user.id}/credentials/${password.id}`);
  return passwords.length > 0;
}

/** `POST /users/{id}/logout`: ends every session of the user, so the browser's SSO cookie signs nobody in. */
export async function signOut(admin: AdminApi, username: string): Promise<void> {
  await admin.call("POST", `/users/${await userId(admin, username)}/logout`);
}

/** The demo's confidential client with a service account holding `manage-realm`; resolves its secret. */
async function ensureServiceAccount(admin: AdminApi): Promise<string> {
  let [client] = await admin.get<Array<{ id: string }>>(`/clients?clientId=${CLIENT}`);
  if (!client) {
    await admin.call("POST", "/clients", {
      clientId: CLIENT,
      name: "idswitch demo: prepares passkeys",
      publicClient: false,
      serviceAccountsEnabled: true,
      standardFlowEnabled: false,
      directAccessGrantsEnabled: false,
    });
    [client] = await admin.get<Array<{ id: string }>>(`/clients?clientId=${CLIENT}`);
    if (!client) throw new Error(`the client ${CLIENT} was not created`);
  }
  const account = await admin.get<{ id: string }>(`/clients/${client.id}/service-account-user`);
  const [management] = await admin.get<Array<{ id: string }>>("/clients?clientId=realm-management");
  if (!management) throw new Error("the realm has no realm-management client");
  const role = await admin.get<Record<string, unknown>>(`/clients/${management.id}/roles/manage-realm`);
  // Granting a role the account already holds changes nothing: safe on every start.
  await admin.call("POST", `/users/${account.id}/role-mappings/clients/${management.id}`, [role]);
  return (await admin.get<{ value: string }>(`/clients/${client.id}/client-secret`)).value;
}
