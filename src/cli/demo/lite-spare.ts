/**
 * The Keycloak-lite emulator as the demo's spare: no network, no Java. A
 * realm with a web client whose tokens carry the link claim (what the
 * directory mirror's protocol mapper does on a real Keycloak), a
 * service-account client, and passkeys. The emulator is reached as
 * `localhost`: WebAuthn refuses an IP address as relying-party id.
 */
import { createKeycloakEmulator } from "idswitch/testing";
import type { Spare } from "./spare.js";

const REALM = "eu-login";
const LINK_CLAIM = "entra_id";

export async function liteSpare(redirectUri: string): Promise<Spare> {
  const kc = await createKeycloakEmulator({ hostname: "localhost" });
  kc.addRealm({ name: REALM, passkeys: true });
  kc.addClient({
    realm: REALM,
    clientId: "case-files",
    secret: "web-secret",
    redirectUris: [redirectUri],
    mappers: [
      { type: "user-attribute", attribute: LINK_CLAIM, claim: LINK_CLAIM, idToken: true, accessToken: true },
    ],
  });
  kc.addClient({ realm: REALM, clientId: "case-files-sync", secret: "sync-secret", serviceAccount: true });
  return {
    label: "Keycloak-lite emulator",
    issuer: kc.issuer(REALM),
    web: { clientId: "case-files", clientSecret: "web-secret", redirectUri },
    daemon: { clientId: "case-files-sync", clientSecret: "sync-secret" },
    linkClaim: LINK_CLAIM,
    addPerson: async (person) => {
      kc.addUser({
        realm: REALM,
        username: person.username,
        password: person.password,
        email: person.email,
        emailVerified: true,
        firstName: person.firstName,
        lastName: person.lastName,
        attributes: { [LINK_CLAIM]: [person.entraId] },
      });
    },
    // The realm was created with passkeys on.
    preparePasskeys: async () => {},
    removePassword: async (username) => {
      const password = kc.credentials(REALM, username).find((c) => c.type === "password");
      return password !== undefined && kc.removeCredential(REALM, username, password.id);
    },
    signOut: async (username) => {
      kc.logoutUser(REALM, username);
    },
    close: () => kc.close(),
  };
}
