/**
 * Clients of their own for the token exchange and DPoP tests, made through
 * the admin API (each run its own names, deleted afterwards): a web app
 * whose tokens name a middle-tier API in their audience, that API allowed
 * to exchange (standard token exchange v2, `standard.token.exchange.enabled`)
 * for a downstream API it has an audience mapper for, and a client whose
 * tokens Keycloak binds to a DPoP key (`dpop.bound.access.tokens`).
 * docs/reference/keycloak.md §8 and §9 describe each setting.
 */
import { randomUUID } from "node:crypto";
import { type KeycloakProvider, type KeycloakProviderOptions, keycloak } from "../../src/index.js";
import type { KeycloakAdmin, Representation } from "./keycloak-admin.js";
import { issuerOf, REDIRECT_URI } from "./keycloak-env.js";

export interface ExchangeClients {
  /** The web app people sign in to; its tokens carry `orders` in their audience. */
  readonly web: { readonly clientId: string; readonly secret: string };
  /** The middle-tier API: receives the web app's tokens, exchanges them for `stock`. */
  readonly orders: { readonly clientId: string; readonly secret: string };
  /** The same kind of API without the exchange permission. */
  readonly ordersWithoutExchange: { readonly clientId: string; readonly secret: string };
  /** The downstream API: nobody signs in to it, it only verifies tokens. */
  readonly stock: { readonly clientId: string };
  /** A downstream API `orders` has no audience mapper for. */
  readonly ledger: { readonly clientId: string };
  /** A client requiring DPoP-bound tokens (browser sign-in and client credentials), audience `orders`. */
  readonly dpop: { readonly clientId: string; readonly secret: string };
  remove(): Promise<void>;
}

export async function createExchangeClients(admin: KeycloakAdmin): Promise<ExchangeClients> {
  const run = randomUUID().slice(0, 8);
  const name = (role: string) => `${role}-${run}`;
  const ids: string[] = [];
  const make = async (representation: Representation) => {
    ids.push(await admin.createClient(representation));
  };
  const audience = (target: string): Representation => ({
    name: `audience ${target}`,
    protocol: "openid-connect",
    protocolMapper: "oidc-audience-mapper",
    config: { "included.client.audience": target, "access.token.claim": "true", "id.token.claim": "false" },
  });
  const confidential = (clientId: string, secret: string, extra: Representation = {}): Representation => ({
    clientId,
    secret,
    enabled: true,
    publicClient: false,
    standardFlowEnabled: false,
    directAccessGrantsEnabled: false,
    serviceAccountsEnabled: false,
    ...extra,
  });
  const clients = {
    web: { clientId: name("web"), secret: `web-${run}` },
    orders: { clientId: name("orders"), secret: `orders-${run}` },
    ordersWithoutExchange: { clientId: name("orders-plain"), secret: `plain-${run}` },
    stock: { clientId: name("stock") },
    ledger: { clientId: name("ledger") },
    dpop: { clientId: name("dpop"), secret: `dpop-${run}` },
  };
  await make(confidential(clients.stock.clientId, `stock-${run}`));
  await make(confidential(clients.ledger.clientId, `ledger-${run}`));
  await make(
    confidential(clients.orders.clientId, clients.orders.secret, {
      attributes: { "standard.token.exchange.enabled": "true" },
      protocolMappers: [audience(clients.stock.clientId)],
    }),
  );
  await make(
    confidential(clients.ordersWithoutExchange.clientId, clients.ordersWithoutExchange.secret, {
      protocolMappers: [audience(clients.stock.clientId)],
    }),
  );
  await make(
    confidential(clients.web.clientId, clients.web.secret, {
      standardFlowEnabled: true,
      redirectUris: [REDIRECT_URI],
      attributes: { "pkce.code.challenge.method": "S256" },
      protocolMappers: [audience(clients.orders.clientId), audience(clients.ordersWithoutExchange.clientId)],
    }),
  );
  await make(
    confidential(clients.dpop.clientId, clients.dpop.secret, {
      standardFlowEnabled: true,
      serviceAccountsEnabled: true,
      redirectUris: [REDIRECT_URI],
      attributes: { "pkce.code.challenge.method": "S256", "dpop.bound.access.tokens": "true" },
      protocolMappers: [audience(clients.orders.clientId)],
    }),
  );
  return {
    ...clients,
    remove: async () => {
      for (const id of ids) await admin.deleteClient(id).catch(() => {});
    },
  };
}

/** A provider `eu` for one of these clients (the web app's sign-in, an API's exchanges). */
export function clientProvider(
  client: { readonly clientId: string; readonly secret?: string },
  extra: Partial<KeycloakProviderOptions> = {},
): KeycloakProvider {
  return keycloak({
    id: "eu",
    issuer: issuerOf(),
    clientId: client.clientId,
    ...(client.secret ? { clientSecret: client.secret } : {}),
    redirectUri: REDIRECT_URI,
    ...extra,
  } as KeycloakProviderOptions);
}
