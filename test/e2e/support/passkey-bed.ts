/**
 * The passkey story's test bed: the Entra emulator (a tenant, the mirror's
 * Graph client, Ada), a realm of its own in the REAL Keycloak (the mirror's
 * service account, the web client `app` redirecting to this app, SMTP at a
 * sink on loopback), and a twin of the example web app whose EU spare is
 * that realm, linked through the mirrored `entra_id` claim
 * (docs/reference/keycloak.md §5.8–5.10 for the realm's passkey settings).
 */
import { randomUUID } from "node:crypto";
import { entraDirectory, type KeycloakTarget, keycloakDirectory } from "../../../src/directory/index.js";
import { createIdentity, entraId, type Identity, keycloak, MemoryStateStore } from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { mirrorRealm } from "../../integration/directory/support.js";
import { listenFirst } from "../../integrations/support/listen.js";
import { keycloakUrl } from "../../support/keycloak-env.js";
import { type SmtpSink, sendRealmMailTo, startSmtpSink } from "../../support/smtp-sink.js";
import { exampleWebApp } from "./twin-app.js";

export interface PasskeyBed {
  /** http://127.0.0.1:<port>, the app. */
  readonly origin: string;
  readonly realm: string;
  readonly entra: EntraEmulator;
  readonly ada: {
    readonly oid: string;
    readonly key: string;
    readonly upn: string;
    readonly password: string;
  };
  readonly source: ReturnType<typeof entraDirectory>;
  readonly target: KeycloakTarget;
  /** The mirror's StateStore, shared by mirror, onboard and readiness as one deployment shares it. */
  readonly state: MemoryStateStore;
  readonly sink: SmtpSink;
  readonly identity: Identity;
  close(): Promise<void>;
}

const SECRET = "mirror-secret";

export async function startPasskeyBed(): Promise<PasskeyBed> {
  const listening = await listenFirst();
  const { origin } = listening;
  const callback = (id: string) => `${origin}/auth/callback/${id}`;

  // As the example app: short-lived Entra access tokens, so the next page refreshes and a suspension shows at once.
  const entra = await createEntraEmulator({ accessTokenLifetimeSeconds: 60 });
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const graph = entra.addApp({ tenantId: tenant.id, displayName: "mirror", secret: SECRET });
  entra.grantGraphPermissions(graph.clientId, [
    "User.Read.All",
    "GroupMember.Read.All",
    "Application.Read.All",
  ]);
  const web = entra.addApp({
    tenantId: tenant.id,
    displayName: "express-web (entra)",
    secret: "entra-secret",
    redirectUris: [callback("entra")],
  });
  const upn = `ada-${randomUUID().slice(0, 8)}@contoso.example`;
  const password = `pw-${randomUUID()}`;
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: upn,
    password,
    givenName: "Ada",
    surname: "Lovelace",
    displayName: "Ada Lovelace",
    mail: upn,
  });

  const [realm, sink] = await Promise.all([mirrorRealm(`${origin}/*`), startSmtpSink()]);
  const source = entraDirectory({
    tenantId: tenant.id,
    clientId: graph.clientId,
    clientSecret: SECRET,
    authority: entra.url,
    graphUrl: entra.graphUrl,
  });
  const target = keycloakDirectory({
    url: keycloakUrl(),
    realm: realm.name,
    clientId: "mirror",
    clientSecret: SECRET,
    clients: ["app"],
  });
  await sendRealmMailTo(target, sink);

  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: tenant.id,
        clientId: web.clientId,
        clientSecret: "entra-secret",
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
        redirectUri: callback("entra"),
        scope: "openid profile email offline_access",
      }),
      keycloak({
        id: "eu",
        issuer: `${keycloakUrl()}/realms/${realm.name}`,
        clientId: "app",
        clientSecret: "app-secret",
        redirectUri: callback("eu"),
      }),
    ],
    routing: { order: ["entra", "eu"], onSuspension: "offer" },
    linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
  });
  listening.handle(exampleWebApp(identity, origin));

  return {
    origin,
    realm: realm.name,
    entra,
    ada: { oid: user.oid, key: `${tenant.id}:${user.oid}`, upn, password },
    source,
    target,
    state: new MemoryStateStore(),
    sink,
    identity,
    async close() {
      await listening.close();
      await identity.close();
      await sink.close();
      await realm.delete();
      await entra.close();
    },
  };
}
