/**
 * One person, one app user, whichever provider they reach first (issue:
 * "One person becomes two app users"). The mirror's link claim in a
 * Keycloak token names the person's Entra account; the app user it
 * resolves to owns that account from that moment, so a first sign-in at
 * Keycloak and a later (or concurrent) one at Entra ID end in the same app
 * user — through two app instances sharing a PostgreSQL LinkStore and a
 * Redis StateStore, against the real Keycloak.
 *
 * Before the fix the claim joined only an Entra account that was already
 * linked: a person who signed in at Keycloak first became a second app user
 * at their first Entra sign-in.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, type IdentitySession } from "../../../src/index.js";
import { postgresLinkStore } from "../../../src/stores/postgres/index.js";
import { redisStateStore } from "../../../src/stores/redis/index.js";
import { POSTGRES_URL, Schemas } from "../../stores/support/postgres.js";
import { Prefixes, REDIS_URL } from "../../stores/support/redis.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import {
  appProvider,
  masterAdmin,
  newUser,
  REDIRECT_URI,
  type TestUser,
} from "../../support/keycloak-env.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";
import {
  declareLinkClaim,
  ENTRA_REDIRECT,
  signInAt,
  type TwoProviders,
  twoProviders,
} from "./two-providers.js";

const CLAIM = "entra_id";
const schemas = new Schemas("idswitch_claim_order");
const prefixes = new Prefixes("claim-order");
let world: TwoProviders;

beforeAll(async () => {
  world = await twoProviders();
  await declareLinkClaim(CLAIM);
});
afterAll(async () => {
  await world.close();
  await schemas.dropAll();
  await prefixes.cleanUp();
});

interface Person {
  readonly entra: { oid: string; username: string; password: string };
  readonly keycloak: TestUser;
}

/** Someone the mirror copied: an Entra account, and a Keycloak account carrying its `tid:oid`. */
async function mirroredPerson(): Promise<Person> {
  const entra = world.newEntraUser();
  const keycloak = await newUser();
  await masterAdmin().setUserAttribute(keycloak.id, CLAIM, `${world.tenantId}:${entra.oid}`);
  return { entra, keycloak };
}

/** Two deployments of one app: the same providers, one PostgreSQL schema, one Redis prefix. */
function twoInstances(): { instances: [Identity, Identity]; close(): Promise<void> } {
  const schema = schemas.next();
  const prefix = prefixes.next();
  const stores: { close(): Promise<void> }[] = [];
  const instance = () => {
    const links = postgresLinkStore({ connectionString: POSTGRES_URL, schema });
    const state = redisStateStore({ url: REDIS_URL, prefix });
    stores.push(links, state);
    return createIdentity({
      providers: [world.entraWeb(), appProvider()],
      routing: { order: ["entra", "eu"] },
      linking: { claim: { name: CLAIM, provider: "entra", from: ["eu"] } },
      links,
      state,
    });
  };
  const instances: [Identity, Identity] = [instance(), instance()];
  return {
    instances,
    async close() {
      await Promise.all(instances.map((i) => i.close()));
      await Promise.all(stores.map((s) => s.close()));
    },
  };
}

function atEntra(identity: Identity, person: Person): Promise<IdentitySession> {
  return signInAt(identity, person.entra, { provider: "entra" });
}
function atKeycloak(identity: Identity, person: Person): Promise<IdentitySession> {
  return signInAt(identity, person.keycloak, { provider: "eu" });
}

/** Begins a sign-in and goes through the provider's page: the callback is ready to complete. */
async function callbackAt(
  identity: Identity,
  provider: "entra" | "eu",
  user: { username: string; password: string },
) {
  const { url, state } = await identity.beginLogin({ provider });
  const result =
    provider === "entra"
      ? await signInThroughSignInPage(url.href, user, { redirectUriPrefix: ENTRA_REDIRECT })
      : await signInThroughLoginForm(url.href, user, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result))
    throw new Error(`sign-in at ${provider} refused: ${JSON.stringify(result)}`);
  return { state, callbackUrl: result.callbackUrl };
}

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` results of `make`, eight at a time (the admin API and the login pages are not hammered). */
async function inBatches<T>(count: number, make: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  while (results.length < count) {
    results.push(...(await Promise.all(Array.from({ length: Math.min(8, count - results.length) }, make))));
  }
  return results;
}

/** A seeded shuffle: the order is random, and the same in every run. */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const result = [...items];
  let state = seed;
  for (let i = result.length - 1; i > 0; i--) {
    state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
    const j = state % (i + 1);
    [result[i], result[j]] = [result[j] as T, result[i] as T];
  }
  return result;
}

describe("the link claim joins in either order", () => {
  it("people signing in at both providers in random order, through two instances, are one app user each", async () => {
    const people = await inBatches(200, () => mirroredPerson());
    const { instances, close } = twoInstances();
    try {
      const visits = shuffled(
        people.flatMap((person, index) => [
          { person, index, at: "entra" as const },
          { person, index, at: "eu" as const },
        ]),
        20_261_203,
      );
      const appUsers = new Map<number, Set<string>>();
      // Eight browsers at a time take the visits in that order, alternating between the instances.
      let next = 0;
      const browser = async () => {
        for (let n = next++; n < visits.length; n = next++) {
          const visit = visits[n] as (typeof visits)[number];
          const identity = instances[n % 2] as Identity;
          const session =
            visit.at === "entra"
              ? await atEntra(identity, visit.person)
              : await atKeycloak(identity, visit.person);
          const seen = appUsers.get(visit.index) ?? new Set<string>();
          seen.add(session.appUserId);
          appUsers.set(visit.index, seen);
        }
      };
      await Promise.all(Array.from({ length: 8 }, browser));
      expect([...appUsers.values()].map((ids) => ids.size)).toEqual(people.map(() => 1));
      expect(new Set([...appUsers.values()].flatMap((ids) => [...ids])).size).toBe(people.length);
    } finally {
      await close();
    }
  }, 240_000);

  it("concurrent first sign-ins at both providers, on two instances, end as one app user", async () => {
    const people = await inBatches(50, () => mirroredPerson());
    const { instances, close } = twoInstances();
    const [one, two] = instances;
    try {
      // Both logins are done at the providers' pages first; then the two callbacks complete at
      // once, the Entra one held back by 0–440 ms so that either may resolve its app user first.
      const ready = await Promise.all(
        people.map(async (person) => ({
          entra: await callbackAt(one, "entra", person.entra),
          keycloak: await callbackAt(two, "eu", person.keycloak),
        })),
      );
      const pairs = await Promise.all(
        ready.map(async ({ entra, keycloak }, index) =>
          Promise.all([
            delay((index % 12) * 40).then(() => one.completeLogin(entra.callbackUrl, entra.state)),
            two.completeLogin(keycloak.callbackUrl, keycloak.state),
          ]),
        ),
      );
      for (const [entra, keycloak] of pairs) expect(keycloak.appUserId).toBe(entra.appUserId);
      expect(new Set(pairs.map(([entra]) => entra.appUserId)).size).toBe(people.length);
    } finally {
      await close();
    }
  }, 120_000);
});
