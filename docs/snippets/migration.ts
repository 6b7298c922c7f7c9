/**
 * The TypeScript of docs/migration.md, type-checked by `npm run typecheck`
 * (tsconfig.docs.json). Not run: it needs real providers.
 */
import { createIdentity, type IdentityOptionsInput, type Link, type LinkStore } from "idswitch";
import { loadConfig } from "idswitch/config";
import { entraDirectory, formatReadiness, keycloakDirectory, mirror, readiness } from "idswitch/directory";
import { postgresLinkStore } from "idswitch/stores/postgres";
import { redisStateStore } from "idswitch/stores/redis";

const log = (...parts: unknown[]): void => {
  process.stderr.write(`${parts.map((p) => (typeof p === "string" ? p : JSON.stringify(p))).join(" ")}\n`);
};

function need(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

// Phase 1 and later: the providers and routing come from idswitch.config.json;
// the stores are code, shared by every instance of the app.
export async function startIdentity() {
  const links = postgresLinkStore({ connectionString: need("DATABASE_URL"), schema: "idswitch" });
  const state = redisStateStore({ url: need("REDIS_URL"), prefix: "portal:idswitch:" });
  const options: IdentityOptionsInput = { ...(await loadConfig()), links, state };
  const identity = createIdentity(options);
  identity.on("failover", (e) => log(`${e.operation}: ${e.from} → ${e.to} (${e.code})`));
  identity.on("account-suspended", (e) => log("account suspended", e));
  return { identity, links, state };
}

// Phase 1, then on a schedule until phase 3: copy the Entra directory into the
// EU Keycloak, so the spare knows everyone; look before writing.
export async function mirrorOnce(state: ReturnType<typeof redisStateStore>) {
  const source = entraDirectory({
    tenantId: need("ENTRA_TENANT_ID"),
    clientId: need("MIRROR_ENTRA_CLIENT_ID"),
    clientSecret: need("MIRROR_ENTRA_CLIENT_SECRET"),
  });
  const target = keycloakDirectory({
    url: "https://auth.example.eu",
    realm: "acme",
    clientId: "idswitch-mirror",
    clientSecret: need("MIRROR_KEYCLOAK_CLIENT_SECRET"),
    clients: ["portal"], // their tokens carry entra_id, for linking.claim
  });
  const run = mirror({ source, target, state, policy: "hold" });
  const plan = await run.plan();
  log(plan.counts, `${plan.actions.length} writes planned`);
  const result = await run.apply();
  if (result.status === "braked") log("mass disable held back:", result.brake);
  for (const d of result.divergences) log("divergence", d);
  log(formatReadiness(await readiness({ source, target })));
}

// Before phase 3: how many app users with an Entra account also have an EU one?
export async function linkCoverage(links: LinkStore, from = "entra", to = "eu") {
  const withFrom = new Set<string>();
  const withTo = new Set<string>();
  let after: Link | undefined;
  for (;;) {
    const page = await links.list({ after, limit: 1000 });
    for (const link of page) {
      if (link.provider === from) withFrom.add(link.appUserId);
      if (link.provider === to) withTo.add(link.appUserId);
    }
    const last = page.at(-1);
    if (!last) break;
    after = last;
  }
  const missing = [...withFrom].filter((id) => !withTo.has(id));
  return { withFrom: withFrom.size, linked: withFrom.size - missing.length, missing };
}
