// @ts-check
/**
 * The two providers of the example: real ones from the environment, or —
 * with no configuration — two tenants of the Entra ID emulator from
 * `idswitch/testing`, the second standing in for the EU Keycloak.
 */
import { createIdentity, entraId, keycloak, oidc } from "idswitch";

/**
 * @param {string} origin where this app is reached, e.g. http://localhost:3000
 * @param {NodeJS.ProcessEnv} env
 */
export async function providers(origin, env) {
  const callback = (/** @type {string} */ id) => `${origin}/auth/callback/${id}`;
  if (env.ENTRA_TENANT_ID && env.KEYCLOAK_ISSUER) {
    const identity = createIdentity({
      providers: [
        entraId({
          id: "entra",
          tenantId: env.ENTRA_TENANT_ID,
          clientId: env.ENTRA_CLIENT_ID ?? "",
          clientSecret: env.ENTRA_CLIENT_SECRET ?? "",
          redirectUri: callback("entra"),
        }),
        keycloak({
          id: "eu",
          issuer: env.KEYCLOAK_ISSUER,
          clientId: env.KEYCLOAK_CLIENT_ID ?? "",
          clientSecret: env.KEYCLOAK_CLIENT_SECRET ?? "",
          redirectUri: callback("eu"),
        }),
      ],
      routing: { order: ["entra", "eu"] },
    });
    return { identity, emulated: undefined };
  }
  return emulated(origin, callback);
}

/**
 * @param {string} origin
 * @param {(id: string) => string} callback
 */
async function emulated(origin, callback) {
  const { createEntraEmulator } = await import("idswitch/testing");
  const person = { username: "ada", password: "correct horse battery staple" };
  // Two emulators, so one can go down alone. Short-lived access tokens: every
  // request refreshes, so a suspension shows at once.
  const sides = await Promise.all(
    ["contoso.example", "eu.example"].map(async (domain, i) => {
      const emulator = await createEntraEmulator({ accessTokenLifetimeSeconds: 60 });
      const tenant = emulator.addTenant({ domain });
      const id = i === 0 ? "entra" : "eu";
      const app = emulator.addApp({
        tenantId: tenant.id,
        displayName: `express-web (${id})`,
        secret: `${id}-secret`,
        redirectUris: [callback(id)],
      });
      const user = emulator.addUser({
        tenantId: tenant.id,
        userPrincipalName: `${person.username}@${domain}`,
        password: person.password,
        displayName: "Ada Lovelace",
      });
      return { id, emulator, tenant, app, user };
    }),
  );
  const [primary, spare] = sides;
  if (!primary || !spare) throw new Error("unreachable");
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: primary.tenant.id,
        clientId: primary.app.clientId,
        clientSecret: "entra-secret",
        authority: primary.emulator.url,
        v1IssuerBase: primary.emulator.v1IssuerBase,
        redirectUri: callback("entra"),
        scope: "openid profile email offline_access",
        runtime: { timeoutMs: 2000 },
      }),
      oidc({
        id: "eu",
        issuer: `${spare.emulator.url}/${spare.tenant.id}/v2.0`,
        clientId: spare.app.clientId,
        clientSecret: "eu-secret",
        redirectUri: callback("eu"),
        scope: "openid profile email offline_access",
      }),
    ],
    routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 2, openMs: 5000 } },
  });
  return {
    identity,
    emulated: {
      origin,
      accounts: sides.map((s) => `${s.user.userPrincipalName} / ${person.password} (${s.id})`),
      /** Entra ID answers 503 everywhere (or is back): once its breaker opens, sign-ins go to eu. */
      outage: (/** @type {boolean} */ down) =>
        down ? primary.emulator.fault({ endpoint: "all", mode: "http503" }) : primary.emulator.clearFaults(),
      /** Entra ID disables Ada: her next refresh is refused, the chooser offers eu. */
      suspend: () => primary.emulator.setUserState(primary.user.oid, "disabled"),
      close: async () => {
        await Promise.all(sides.map((s) => s.emulator.close()));
      },
    },
  };
}
