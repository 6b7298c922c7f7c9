/**
 * Only the provider's own voice is evidence (docs/concepts.md, "Whose word
 * counts"). Anyone can begin a sign-in and bring the app's callback an
 * `error=` of their own making: no provider said it. Such a callback ends
 * that one attempt and moves nothing else — no suspension mark, no breaker
 * outcome, no routing event — on this instance or on another one sharing
 * the same Redis StateStore.
 *
 * Before the fix, a forged `error=unauthorized_client` set a provider-wide
 * `client_suspended` mark (five minutes) and moved every new sign-in and the
 * app's client credentials to the next provider on every instance; three
 * forged `error=server_error` callbacks opened the breaker the same way.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, IdSwitchError } from "../../src/index.js";
import { redisStateStore } from "../../src/stores/redis/index.js";
import { type TwoProviders, twoProviders } from "../integration/identity/two-providers.js";
import { Prefixes, REDIS_URL } from "../stores/support/redis.js";
import { appProvider, issuerOf, serviceProvider } from "../support/keycloak-env.js";

/** Every error code of RFC 6749 §4.1.2.1 and OpenID Connect Core §3.1.2.6, the token endpoint's, and garbage. */
const FORGED: readonly (readonly [string, string | undefined])[] = [
  ["invalid_request", undefined],
  ["unauthorized_client", undefined],
  ["access_denied", undefined],
  ["unsupported_response_type", undefined],
  ["invalid_scope", undefined],
  ["server_error", undefined],
  ["temporarily_unavailable", undefined],
  ["interaction_required", undefined],
  ["login_required", undefined],
  ["account_selection_required", undefined],
  ["consent_required", undefined],
  ["invalid_request_uri", undefined],
  ["invalid_request_object", undefined],
  ["request_not_supported", undefined],
  ["request_uri_not_supported", undefined],
  ["registration_not_supported", undefined],
  ["invalid_client", undefined],
  ["invalid_grant", "Account disabled"],
  ["unauthorized_client", "AADSTS7000112: Application is disabled."],
  ["invalid_client", "AADSTS7000215: Invalid client secret provided."],
  ["invalid_request", "AADSTS90002: Tenant not found."],
  ["invalid_grant", "AADSTS50057: The user account is disabled."],
  ["server_error", "AADSTS90033: A transient error has occurred."],
  ["x".repeat(5000), undefined],
  ["\u0000<script>", "\u202e"],
  ["", ""],
];

const ROUTING_EVENTS = ["failover", "provider-down", "provider-up", "account-suspended"] as const;

let world: TwoProviders;
const prefixes = new Prefixes("forged-callback");

beforeAll(async () => {
  world = await twoProviders();
});
afterAll(async () => {
  await world.close();
  await prefixes.cleanUp();
});

/** One instance of the app: Keycloak (the organisation's) first, Entra second, breakers that open on one outage. */
function instance(prefix: string): Identity {
  return createIdentity({
    providers: [world.entraWeb(), appProvider()],
    routing: { order: ["eu", "entra"], breaker: { consecutiveFailures: 1, openMs: 60_000 } },
    state: redisStateStore({ url: REDIS_URL, prefix }),
  });
}

/** What another instance's routing looks like: the providers, their breakers and marks. */
async function routingOf(identity: Identity) {
  return (await identity.health()).map((h) => ({
    provider: h.provider,
    breaker: h.breaker,
    suspended: h.suspended,
  }));
}

describe("a forged error in the callback moves nothing", () => {
  it("every OAuth error code and garbage, at both providers, on two instances sharing Redis", async () => {
    const prefix = prefixes.next();
    const attacker = instance(prefix);
    const bystander = instance(prefix);
    await Promise.all([attacker.ready(), bystander.ready()]);
    const events: string[] = [];
    for (const identity of [attacker, bystander]) {
      for (const name of ROUTING_EVENTS) identity.on(name, () => events.push(name));
    }
    const healthyBefore = await routingOf(bystander);
    try {
      for (const provider of ["eu", "entra"]) {
        const issuer = provider === "eu" ? issuerOf() : undefined;
        for (const [error, description] of FORGED) {
          const { state } = await attacker.beginLogin({ provider });
          const callback = new URL(state.redirectUri);
          callback.searchParams.set("error", error);
          if (description !== undefined) callback.searchParams.set("error_description", description);
          callback.searchParams.set("state", state.state);
          // RFC 9207: Keycloak announces `iss` in responses; the attacker knows it and sends it along.
          if (issuer) callback.searchParams.set("iss", issuer);
          const refused = await attacker.completeLogin(callback, state).catch((e: unknown) => e);
          expect(refused, `${provider} ${error.slice(0, 30)}`).toBeInstanceOf(IdSwitchError);
        }
      }
      expect(events).toEqual([]);
      // The other instance routes as before: Keycloak first, nothing open, nothing marked.
      expect(await routingOf(bystander)).toEqual(healthyBefore);
      expect((await bystander.beginLogin()).provider).toBe("eu");
      expect((await attacker.beginLogin()).provider).toBe("eu");
      expect(events).toEqual([]);
    } finally {
      await Promise.all([attacker.close(), bystander.close()]);
    }
  });

  it("the app's own tokens keep coming from the provider in front after a forged unauthorized_client", async () => {
    const prefix = prefixes.next();
    const web = instance(prefix);
    const daemon = createIdentity({
      providers: [world.entraDaemon(), serviceProvider()],
      routing: { order: ["eu", "entra"] },
      state: redisStateStore({ url: REDIS_URL, prefix }),
    });
    try {
      const { state } = await web.beginLogin({ provider: "eu" });
      const forged = new URL(state.redirectUri);
      forged.search = new URLSearchParams({
        error: "unauthorized_client",
        state: state.state,
        iss: issuerOf(),
      }).toString();
      await expect(web.completeLogin(forged, state)).rejects.toBeInstanceOf(IdSwitchError);
      const before = world.entra.requests.length;
      const tokens = await daemon.clientCredentials({ scope: { entra: world.apiScope } });
      expect(tokens.accessToken.split(".")).toHaveLength(3);
      // Served by Keycloak: Entra (the next provider) was not asked.
      expect(world.entra.requests.length).toBe(before);
    } finally {
      await Promise.all([web.close(), daemon.close()]);
    }
  });
});
