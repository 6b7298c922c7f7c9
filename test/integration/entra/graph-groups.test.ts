/**
 * The groups overage resolved through Microsoft Graph by the entraId provider, against the emulator
 * (docs/reference/entra-id.md §5.4, §11.4, §11.6): a user in 250 groups (nested) signs in, the token has the
 * overage, the provider resolves every group — transitive, paged, cached — honours throttling and
 * classifies Graph's refusals.
 */
import { afterEach, describe, expect, it } from "vitest";
import { type EntraProviderOptions, entraId, hasGroupsOverage, type Principal } from "../../../src/index.js";
import { createEntraEmulator, type EntraEmulator } from "../../../src/testing/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { idSwitchErrorOf } from "../../support/rejection.js";

const REDIRECT = "http://localhost:3000/callback/entra";
let entra: EntraEmulator;
afterEach(() => entra?.close());

/** A tenant, an API and a web app whose tokens carry groups; a user in 10 teams × 25 groups = 250. */
async function world(permissions: readonly string[] = ["GroupMember.Read.All"]) {
  entra = await createEntraEmulator();
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const api = entra.addApp({
    tenantId: tenant.id,
    accessTokenVersion: 2,
    groupMembershipClaims: "SecurityGroup",
  });
  const web = entra.addApp({
    tenantId: tenant.id,
    secret: "web-secret",
    redirectUris: [REDIRECT],
    groupMembershipClaims: "SecurityGroup",
  });
  if (permissions.length > 0) entra.grantGraphPermissions(web.clientId, permissions);
  const user = entra.addUser({
    tenantId: tenant.id,
    userPrincipalName: "ada@contoso.example",
    password: "pw",
  });
  const expected: string[] = [];
  for (let t = 0; t < 10; t++) {
    const team = entra.addGroup({ tenantId: tenant.id, displayName: `team-${t}` });
    entra.addMember(team.id, user.oid);
    expected.push(team.id);
    for (let p = 0; p < 24; p++) {
      const parent = entra.addGroup({ tenantId: tenant.id, displayName: `parent-${t}-${p}` });
      entra.addMember(parent.id, team.id);
      expected.push(parent.id);
    }
  }
  const provider = (extra: Partial<EntraProviderOptions> = {}) =>
    entraId({
      id: "entra",
      tenantId: tenant.id,
      clientId: web.clientId,
      clientSecret: "web-secret",
      redirectUri: REDIRECT,
      authority: entra.url,
      v1IssuerBase: entra.v1IssuerBase,
      scope: `openid profile email offline_access ${api.identifierUri}/access_as_user`,
      ...extra,
      graph: { url: entra.graphUrl, backoffSeconds: 0.05, ...extra.graph },
    } as EntraProviderOptions);
  return { tenant, api, web, user, expected, provider };
}

async function signIn(provider: ReturnType<typeof entraId>) {
  const login = await provider.beginLogin();
  const outcome = await signInThroughSignInPage(
    login.url.href,
    { username: "ada@contoso.example", password: "pw" },
    { redirectUriPrefix: REDIRECT },
  );
  if (!("callbackUrl" in outcome)) throw new Error(outcome.error);
  return provider.completeLogin(outcome.callbackUrl, login.state);
}

const graphRequests = () => entra.requests.filter((r) => r.path.startsWith("/v1.0/"));
const sorted = (ids: readonly string[]) => [...ids].sort();

describe("groupOverage: 'graph'", () => {
  it("a user in 250 nested groups gets an overage token; the provider resolves all 250, page by page", async () => {
    const w = await world();
    const provider = w.provider({ groupOverage: "graph", graph: { pageSize: 100 } });
    const session = await signIn(provider);
    expect(hasGroupsOverage(session.principal.claims)).toBe(true);
    expect(session.principal.claims).not.toHaveProperty("groups");
    expect(sorted(session.principal.groups)).toEqual(sorted(w.expected));
    expect(graphRequests().map((r) => r.path)).toEqual(
      Array(3).fill(`/v1.0/users/${w.user.oid}/transitiveMemberOf/microsoft.graph.group`),
    ); // 250 at $top=100: three pages
  });

  it("verifyAccessToken resolves too, from the cache until the TTL passes", async () => {
    let now = Date.now();
    const w = await world();
    const provider = w.provider({
      groupOverage: "graph",
      runtime: { now: () => now },
      graph: { cacheTtlSeconds: 60 },
    });
    const session = await signIn(provider);
    const before = graphRequests().length;
    const principal = await provider.verifyAccessToken(session.tokens.accessToken, {
      audience: w.api.clientId,
    });
    expect(sorted(principal.groups)).toEqual(sorted(w.expected));
    expect(graphRequests().length).toBe(before); // same user, within the TTL: no Graph call
    now += 61_000;
    const later = await provider.verifyAccessToken(session.tokens.accessToken, { audience: w.api.clientId });
    expect(later.groups).toHaveLength(250);
    expect(graphRequests().length).toBe(before + 1); // one page at the default $top=999
  });

  it("refresh resolves too: the refreshed principal has its groups from Graph", async () => {
    let now = Date.now();
    const w = await world();
    const provider = w.provider({
      groupOverage: "graph",
      runtime: { now: () => now },
      graph: { cacheTtlSeconds: 30 },
    });
    const session = await signIn(provider);
    const [team] = w.expected;
    entra.removeMember(team ?? "", w.user.oid); // team-0 and its 24 parents go
    now += 31_000;
    const refreshed = await provider.refresh(session);
    expect(hasGroupsOverage(refreshed.principal.claims)).toBe(true);
    expect(refreshed.principal.groups).toHaveLength(225);
  });

  it("a membership removed in Entra shows after the TTL (and not before)", async () => {
    let now = Date.now();
    const w = await world();
    const provider = w.provider({
      groupOverage: "graph",
      runtime: { now: () => now },
      graph: { cacheTtlSeconds: 30 },
    });
    const session = await signIn(provider);
    const [team] = w.expected;
    entra.removeMember(team ?? "", w.user.oid); // team-0 and its 24 parents go
    expect(await provider.resolveGroups(session.principal)).toMatchObject({
      groups: expect.arrayContaining([team]),
    });
    now += 31_000;
    expect((await provider.resolveGroups(session.principal)).groups).toHaveLength(225);
  });

  it("concurrent resolutions of one user make one set of Graph calls", async () => {
    const w = await world();
    const provider = w.provider();
    const session = await signIn(provider);
    const before = graphRequests().length;
    const results = await Promise.all(
      Array.from({ length: 5 }, () => provider.resolveGroups(session.principal)),
    );
    expect(results.every((p) => p.groups.length === 250)).toBe(true);
    expect(graphRequests().length).toBe(before + 1);
  });

  it("no overage, no Graph call; the default 'keep' never calls Graph", async () => {
    const w = await world();
    const small = entra.addUser({
      tenantId: w.tenant.id,
      userPrincipalName: "bob@contoso.example",
      password: "pw",
    });
    entra.addMember(w.expected[0] ?? "", small.oid);
    const resolving = w.provider({ groupOverage: "graph" });
    const login = await resolving.beginLogin();
    const outcome = await signInThroughSignInPage(
      login.url.href,
      { username: "bob@contoso.example", password: "pw" },
      { redirectUriPrefix: REDIRECT },
    );
    if (!("callbackUrl" in outcome)) throw new Error(outcome.error);
    const session = await resolving.completeLogin(outcome.callbackUrl, login.state);
    expect(sorted(session.principal.groups)).toEqual(sorted(w.expected.slice(0, 25))); // team-0 and its parents, in the token
    const keeping = await signIn(w.provider());
    expect(keeping.principal.groups).toEqual([]);
    expect(graphRequests()).toEqual([]);
  });

  it("refuses to ask Graph about another provider's or tenant's principal", async () => {
    const w = await world();
    const session = await signIn(w.provider());
    const foreign: Principal = { ...session.principal, tenant: "00000000-0000-4000-8000-000000000000" };
    await expect(w.provider().resolveGroups(foreign)).rejects.toThrow(TypeError);
  });
});

describe("throttling and refusals (§11.6, §11.7)", () => {
  it("a 429 with a fractional Retry-After is waited for, then the resolution succeeds", async () => {
    const w = await world();
    const provider = w.provider();
    const session = await signIn(provider);
    entra.throttleGraph({ times: 2, retryAfterSeconds: 0.3 });
    const started = Date.now();
    const principal = await provider.resolveGroups(session.principal);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550);
    expect(principal.groups).toHaveLength(250);
    expect(graphRequests()).toHaveLength(3);
  });

  it("a 429 without Retry-After backs off exponentially on its own", async () => {
    const w = await world();
    const provider = w.provider({ graph: { url: entra.graphUrl, backoffSeconds: 0.2 } });
    const session = await signIn(provider);
    entra.throttleGraph({ times: 2, retryAfterSeconds: null });
    const started = Date.now();
    expect((await provider.resolveGroups(session.principal)).groups).toHaveLength(250);
    expect(Date.now() - started).toBeGreaterThanOrEqual(550); // 0.2 s + 0.4 s
  });

  it("throttled past the retry budget: provider_unavailable, rate_limited, with retryAfter", async () => {
    const w = await world();
    const provider = w.provider({ graph: { url: entra.graphUrl, maxRetries: 1 } });
    const session = await signIn(provider);
    entra.throttleGraph({ times: 5, retryAfterSeconds: 0.1 });
    const error = await idSwitchErrorOf(provider.resolveGroups(session.principal));
    expect(error).toMatchObject({
      code: "provider_unavailable",
      reason: "rate_limited",
      retryAfter: 1,
      retryable: true,
    });
    expect(graphRequests()).toHaveLength(2);
  });

  it("a Retry-After longer than the caller will wait fails at once, carrying it", async () => {
    const w = await world();
    const provider = w.provider({ graph: { url: entra.graphUrl, maxRetryAfterSeconds: 5 } });
    const session = await signIn(provider);
    entra.throttleGraph({ times: 1, retryAfterSeconds: 120 });
    const error = await idSwitchErrorOf(provider.resolveGroups(session.principal));
    expect(error).toMatchObject({ code: "provider_unavailable", retryAfter: 120 });
    expect(graphRequests()).toHaveLength(1);
  });

  it("503 and an unreachable Graph are outages; with groupOverage 'graph' the login fails closed", async () => {
    const w = await world();
    const provider = w.provider({ groupOverage: "graph" });
    entra.fault({ endpoint: "graph", mode: "http503", retryAfterSeconds: 7 });
    const error = await idSwitchErrorOf(signIn(provider));
    expect(error).toMatchObject({ code: "provider_unavailable", reason: "server_error", retryAfter: 7 });
    entra.clearFaults();
    entra.fault({ endpoint: "graph", mode: "refused" });
    const session = await signIn(w.provider());
    expect(await idSwitchErrorOf(provider.resolveGroups(session.principal))).toMatchObject({
      code: "provider_unavailable",
      reason: "network",
    });
  });

  it("without the Graph permission: client_suspended, missing_permission — not an outage", async () => {
    const w = await world(["User.Read.All"]);
    const provider = w.provider();
    const session = await signIn(provider);
    const error = await idSwitchErrorOf(provider.resolveGroups(session.principal));
    expect(error).toMatchObject({ code: "client_suspended", reason: "missing_permission", retryable: false });
    expect(error.message).not.toMatch(/eyJ/); // no token in the message
  });

  it("a nextLink to another host is refused: the token never leaves for it", async () => {
    const w = await world();
    const asked: string[] = [];
    const fetchVia = async (input: string | URL | Request, init?: RequestInit) => {
      const url = String(input instanceof Request ? input.url : input);
      asked.push(url);
      if (!url.includes("/v1.0/")) return fetch(input, init);
      const page = { value: [{ id: "g1" }], "@odata.nextLink": "https://graph.evil.example/v1.0/next" };
      return new Response(JSON.stringify(page), { headers: { "content-type": "application/json" } });
    };
    const provider = w.provider({ runtime: { fetch: fetchVia } });
    const session = await signIn(provider);
    const error = await idSwitchErrorOf(provider.resolveGroups(session.principal));
    expect(error).toMatchObject({ code: "provider_unavailable", reason: "malformed_response" });
    expect(asked.filter((url) => url.includes("evil"))).toEqual([]);
  });

  it("a disabled app cannot get a Graph token: the token endpoint's own classification", async () => {
    const w = await world();
    const provider = w.provider();
    const session = await signIn(provider);
    entra.setAppState(w.web.clientId, "disabled");
    const error = await idSwitchErrorOf(provider.resolveGroups(session.principal));
    expect(error).toMatchObject({ code: "client_suspended", reason: "app_disabled" });
    expect(graphRequests()).toEqual([]);
  });
});

describe("resolveGroupsOf: many users, batched (JSON $batch of 20)", () => {
  /** `count` more users in the 10 teams (250 groups each), as principals with the overage marker. */
  function overageUsers(
    w: Awaited<ReturnType<typeof world>>,
    provider: ReturnType<typeof entraId>,
    count: number,
  ) {
    const teams = w.expected.filter((_, i) => i % 25 === 0);
    return Array.from({ length: count }, (_, n) => {
      const user = entra.addUser({
        tenantId: w.tenant.id,
        userPrincipalName: `u${n}@contoso.example`,
        password: "pw",
      });
      for (const team of teams) entra.addMember(team, user.oid);
      return provider.normalizeClaims({ oid: user.oid, tid: w.tenant.id, _claim_names: { groups: "src1" } });
    });
  }

  it("25 users in two round trips, then from the cache; a principal without overage costs nothing", async () => {
    const w = await world();
    const provider = w.provider();
    const principals = overageUsers(w, provider, 25);
    const plain = provider.normalizeClaims({ oid: w.user.oid, tid: w.tenant.id, groups: ["g"] });
    const resolved = await provider.resolveGroupsOf([...principals, plain]);
    expect(resolved.slice(0, 25).every((p) => sorted(p.groups).join() === sorted(w.expected).join())).toBe(
      true,
    );
    expect(resolved[25]).toBe(plain);
    expect(graphRequests().map((r) => `${r.method} ${r.path}`)).toEqual(Array(2).fill("POST /v1.0/$batch"));
    await provider.resolveGroupsOf(principals);
    expect(graphRequests()).toHaveLength(2);
  });

  it("later pages follow each batched answer's nextLink", async () => {
    const w = await world();
    const provider = w.provider({ graph: { url: entra.graphUrl, pageSize: 100 } });
    const resolved = await provider.resolveGroupsOf(overageUsers(w, provider, 3));
    expect(resolved.map((p) => p.groups.length)).toEqual([250, 250, 250]);
    const paths = graphRequests().map((r) => r.path);
    expect(paths.filter((p) => p === "/v1.0/$batch")).toHaveLength(1);
    expect(paths.filter((p) => p.endsWith("/transitiveMemberOf/microsoft.graph.group"))).toHaveLength(6);
  });

  it("a throttled answer inside the batch is asked again on its own", async () => {
    const w = await world();
    const provider = w.provider();
    const principals = overageUsers(w, provider, 4);
    entra.throttleGraph({ times: 1, retryAfterSeconds: 0.1 }); // the batch's first request
    const resolved = await provider.resolveGroupsOf(principals);
    expect(resolved.map((p) => p.groups.length)).toEqual([250, 250, 250, 250]);
    expect(graphRequests().map((r) => r.method)).toEqual(["POST", "GET"]);
  });
});
