// @ts-check
/**
 * The two issuers the API trusts: from the environment, or emulated (two
 * tenants of the Entra ID emulator, the second standing in for the EU
 * Keycloak), with a client of each that can mint sample tokens.
 */

/**
 * @param {NodeJS.ProcessEnv} env
 * @param {{ entraId: typeof import("idswitch").entraId, oidc: typeof import("idswitch").oidc }} make
 */
export async function issuers(env, make) {
  if (env.ENTRA_TENANT_ID && env.KEYCLOAK_ISSUER) {
    return {
      providers: [
        make.entraId({ id: "entra", tenantId: env.ENTRA_TENANT_ID, clientId: env.ENTRA_AUDIENCE ?? "" }),
        make.oidc({ id: "eu", issuer: env.KEYCLOAK_ISSUER, clientId: env.KEYCLOAK_AUDIENCE ?? "" }),
      ],
      audience: { entra: env.ENTRA_AUDIENCE ?? "", eu: env.KEYCLOAK_AUDIENCE ?? "" },
      sampleTokens: async () => ({}),
      close: async () => {},
    };
  }
  const { createEntraEmulator } = await import("idswitch/testing");
  const entra = await createEntraEmulator();
  const sides = ["contoso.example", "eu.example"].map((domain, i) => {
    const tenant = entra.addTenant({ domain });
    const api = entra.addApp({ tenantId: tenant.id, displayName: "orders-api", accessTokenVersion: 2 });
    const caller = entra.addApp({ tenantId: tenant.id, displayName: "caller", secret: "caller-secret" });
    entra.grantAppRoles(caller.clientId, api.clientId, []);
    return { id: i === 0 ? "entra" : "eu", tenant, api, caller };
  });
  const [primary, spare] = sides;
  if (!primary || !spare) throw new Error("unreachable");
  const issuerOf = (/** @type {typeof primary} */ side) => `${entra.url}/${side.tenant.id}/v2.0`;
  const callerOf = (/** @type {typeof primary} */ side) =>
    make.oidc({
      id: side.id,
      issuer: issuerOf(side),
      clientId: side.caller.clientId,
      clientSecret: "caller-secret",
    });
  return {
    providers: [
      make.entraId({
        id: "entra",
        tenantId: primary.tenant.id,
        clientId: primary.api.clientId,
        authority: entra.url,
        v1IssuerBase: entra.v1IssuerBase,
      }),
      make.oidc({ id: "eu", issuer: issuerOf(spare), clientId: spare.api.clientId }),
    ],
    audience: { entra: primary.api.clientId, eu: spare.api.clientId },
    sampleTokens: async () => {
      /** @type {Record<string, string>} */
      const tokens = {};
      for (const side of sides) {
        const set = await callerOf(side).clientCredentials({ scope: `${side.api.identifierUri}/.default` });
        tokens[side.id] = set.accessToken;
      }
      return tokens;
    },
    close: () => entra.close(),
  };
}
