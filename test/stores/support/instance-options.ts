/**
 * What two deployments of one application share: the same providers and
 * routing, one PostgreSQL LinkStore and one Redis StateStore. Used by the
 * parent instance in the test and by the child in instance-worker.ts.
 */
import { entraId, keycloak } from "idswitch";
import { postgresLinkStore } from "../../../src/stores/postgres/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";

export interface InstanceConfig {
  readonly entra: { readonly authority: string; readonly v1IssuerBase: string; readonly tenantId: string };
  readonly daemon: { readonly clientId: string; readonly secret: string; readonly scope: string };
  readonly web: { readonly clientId: string; readonly secret: string; readonly redirectUri: string };
  readonly spare: { readonly issuer: string; readonly clientId: string; readonly secret: string };
  readonly redis: { readonly url: string; readonly prefix: string };
  readonly postgres: { readonly url: string; readonly schema: string };
}

/** The same configuration as the parent's instance: what two deployments of one app share. */
export function instanceOptions(c: InstanceConfig) {
  const entra = { ...c.entra, runtime: { timeoutMs: 2_000 } };
  return {
    providers: [
      entraId({ id: "entra", ...entra, clientId: c.daemon.clientId, clientSecret: c.daemon.secret }),
      keycloak({
        id: "eu",
        issuer: c.spare.issuer,
        clientId: c.spare.clientId,
        clientSecret: c.spare.secret,
      }),
    ],
    routing: { order: ["entra", "eu"], breaker: { consecutiveFailures: 1, openMs: 60_000 } },
    links: postgresLinkStore({ connectionString: c.postgres.url, schema: c.postgres.schema }),
    state: redisStateStore({ url: c.redis.url, prefix: c.redis.prefix }),
  };
}

export function webOptions(c: InstanceConfig) {
  return {
    ...instanceOptions(c),
    routing: { order: ["entra"] },
    providers: [
      entraId({
        id: "entra",
        ...c.entra,
        clientId: c.web.clientId,
        clientSecret: c.web.secret,
        redirectUri: c.web.redirectUri,
      }),
    ],
  };
}
