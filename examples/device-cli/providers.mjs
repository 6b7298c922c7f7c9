// @ts-check
/**
 * The two providers of the device-flow CLI: real ones from the environment
 * (public clients with the device authorization grant enabled), or — with no
 * configuration — two tenants of the Entra ID emulator from
 * `idswitch/testing`, the second standing in for the EU Keycloak.
 */
import { createIdentity, entraId, keycloak, oidc } from "idswitch";

const SCOPE = "openid profile offline_access";

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {{ entraDown?: boolean }} [options] emulated only: Entra ID refuses every connection
 */
export async function providers(env, options = {}) {
  if (env.ENTRA_TENANT_ID && env.KEYCLOAK_ISSUER) {
    const identity = createIdentity({
      providers: [
        entraId({
          id: "entra",
          tenantId: env.ENTRA_TENANT_ID,
          clientId: env.ENTRA_CLIENT_ID ?? "",
          scope: SCOPE,
        }),
        keycloak({
          id: "eu",
          issuer: env.KEYCLOAK_ISSUER,
          clientId: env.KEYCLOAK_CLIENT_ID ?? "",
          scope: SCOPE,
        }),
      ],
      routing: { order: ["entra", "eu"] },
    });
    return { identity, emulated: undefined };
  }
  return emulated(options.entraDown === true);
}

/** @param {boolean} entraDown */
async function emulated(entraDown) {
  const { createEntraEmulator } = await import("idswitch/testing");
  const password = "correct horse battery staple";
  const sides = await Promise.all(
    ["contoso.example", "eu.example"].map(async (domain, i) => {
      const emulator = await createEntraEmulator();
      const tenant = emulator.addTenant({ domain });
      const app = emulator.addApp({ tenantId: tenant.id, displayName: "device-cli", publicClient: true });
      const user = emulator.addUser({
        tenantId: tenant.id,
        userPrincipalName: `ada@${domain}`,
        password,
        displayName: "Ada Lovelace",
      });
      return { id: i === 0 ? "entra" : "eu", emulator, tenant, app, user };
    }),
  );
  const [primary, spare] = sides;
  if (!primary || !spare) throw new Error("unreachable");
  if (entraDown) primary.emulator.fault({ endpoint: "all", mode: "refused" });
  const identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: primary.tenant.id,
        clientId: primary.app.clientId,
        authority: primary.emulator.url,
        v1IssuerBase: primary.emulator.v1IssuerBase,
        scope: SCOPE,
        runtime: { timeoutMs: 2000 },
      }),
      oidc({
        id: "eu",
        issuer: `${spare.emulator.url}/${spare.tenant.id}/v2.0`,
        clientId: spare.app.clientId,
        scope: SCOPE,
      }),
    ],
    routing: { order: ["entra", "eu"] },
  });
  return {
    identity,
    emulated: {
      /** @param {string} provider */
      account: (provider) => {
        const side = sides.find((s) => s.id === provider) ?? primary;
        return { username: side.user.userPrincipalName, password, emulatorUrl: side.emulator.url };
      },
      close: async () => {
        await Promise.all(sides.map((s) => s.emulator.close()));
      },
    },
  };
}
