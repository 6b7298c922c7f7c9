// Token contents (docs/reference/entra-id.md §5): headers, claim sets of v2 ID tokens, v1/v2 access tokens, app-only
// tokens, pairwise subjects, groups overage, email/xms_edov, Graph tokens.
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  claimsOf,
  codeFlow,
  get,
  pkcePair,
  postForm,
  signIn,
  startWorld,
  tokenUrl,
  type World,
} from "./world.js";

let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.entra.close());

async function appToken(w: World, resource: string, client = w.daemon.clientId, secret = "daemon-secret") {
  const result = await postForm(tokenUrl(w), {
    grant_type: "client_credentials",
    client_id: client,
    client_secret: secret,
    scope: `${resource}/.default`,
  });
  expect(result.status).toBe(200);
  return result.json;
}

/** A code flow for `clientId` (public when no secret), returning the token response body. */
async function userTokens(
  w: World,
  clientId: string,
  scope: string,
  secret?: string,
  redirectUri = "http://localhost:3000/callback",
) {
  const pkce = pkcePair();
  const callback = await signIn(w, {
    client_id: clientId,
    scope,
    redirect_uri: redirectUri,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
  });
  const form: Record<string, string> = {
    grant_type: "authorization_code",
    client_id: clientId,
    code: callback.get("code") ?? "",
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
  };
  if (secret) form.client_secret = secret;
  const result = await postForm(tokenUrl(w), form);
  expect(result.status, result.text).toBe(200);
  return result.json;
}

describe("v2 ID token (§5.2)", () => {
  it("has the documented header and claim set, aud = client id, iss v2, ver 2.0", async () => {
    const { header, claims } = claimsOf((await codeFlow(world)).json.id_token);
    expect(Object.keys(header)).toEqual(["typ", "alg", "kid"]);
    expect(header).toMatchObject({ typ: "JWT", alg: "RS256" });
    expect(Object.keys(claims)).toEqual([
      "aud",
      "iss",
      "iat",
      "nbf",
      "exp",
      "aio",
      "email",
      "groups",
      "name",
      "nonce",
      "oid",
      "preferred_username",
      "rh",
      "sid",
      "sub",
      "tid",
      "uti",
      "ver",
      "xms_edov",
    ]);
    expect(claims).toMatchObject({
      aud: world.web.clientId,
      iss: world.entra.issuerV2(world.tenant.id),
      name: "Ada Lovelace",
      nonce: "n-456",
      oid: world.user.oid,
      preferred_username: "ada@contoso.example",
      tid: world.tenant.id,
      ver: "2.0",
      email: "ada@contoso.example",
      xms_edov: true, // contoso.example is the tenant's verified domain
      groups: ["5f3c1a2e-0000-4000-8000-000000000001"],
    });
    expect(Number(claims.exp) - Number(claims.iat)).toBe(3900); // 1 h, iat back-dated 5 min as in Microsoft's samples
    expect(claims.nbf).toBe(claims.iat);
    expect(claims.uti).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(claims.sub).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it("name, preferred_username and oid need the profile scope; email needs the email scope", async () => {
    const { claims } = claimsOf((await codeFlow(world, { scope: "openid" })).json.id_token);
    for (const claim of ["name", "preferred_username", "oid", "email", "xms_edov"])
      expect(claims).not.toHaveProperty(claim);
    expect(claims.tid).toBe(world.tenant.id);
  });
});

describe("pairwise sub (§5.7)", () => {
  it("differs between apps for one user, and is stable for one app", async () => {
    const other = world.entra.addApp({
      tenantId: world.tenant.id,
      secret: "o",
      redirectUris: ["http://localhost:3000/callback"],
    });
    const first = claimsOf((await codeFlow(world)).json.id_token).claims;
    const again = claimsOf((await codeFlow(world)).json.id_token).claims;
    const elsewhere = claimsOf(
      (await userTokens(world, other.clientId, "openid profile", "o")).id_token,
    ).claims;
    expect(again.sub).toBe(first.sub);
    expect(elsewhere.sub).not.toBe(first.sub);
    expect(elsewhere.oid).toBe(first.oid); // oid is the same across apps
  });
});

describe("access tokens follow the RESOURCE's accessTokenVersion (§1.5, §5.3)", () => {
  it("v2 API: azp/azpacr, scp, roles, aud = API client id, iss v2, no x5t", async () => {
    const body = (await codeFlow(world)).json;
    const { header, claims } = claimsOf(body.access_token);
    expect(Object.keys(header)).toEqual(["typ", "alg", "kid"]);
    expect(Object.keys(claims)).toEqual([
      "aud",
      "iss",
      "iat",
      "nbf",
      "exp",
      "aio",
      "azp",
      "azpacr",
      "groups",
      "name",
      "oid",
      "preferred_username",
      "rh",
      "roles",
      "scp",
      "sub",
      "tid",
      "uti",
      "ver",
    ]);
    expect(claims).toMatchObject({
      aud: world.apiV2.clientId,
      iss: world.entra.issuerV2(world.tenant.id),
      azp: world.web.clientId,
      azpacr: "1",
      scp: "access_as_user",
      roles: ["Orders.Write"],
      ver: "2.0",
    });
    expect(Number(claims.exp) - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(body.expires_in);
    expect(claims.sub).not.toBe(claimsOf(body.id_token).claims.sub); // pairwise per app: API ≠ client
  });

  it("v1 API (the default): x5t header, iss v1, appid/appidacr, aud as requested, ver 1.0", async () => {
    const scope = `openid profile ${world.apiV1.identifierUri}/user_impersonation`;
    const { header, claims } = claimsOf((await codeFlow(world, { scope })).json.access_token);
    expect(Object.keys(header)).toEqual(["typ", "alg", "x5t", "kid"]);
    expect(header.x5t).toBe(header.kid);
    expect(Object.keys(claims)).toEqual([
      "aud",
      "iss",
      "iat",
      "nbf",
      "exp",
      "acr",
      "aio",
      "amr",
      "appid",
      "appidacr",
      "family_name",
      "given_name",
      "ipaddr",
      "name",
      "oid",
      "rh",
      "scp",
      "sub",
      "tid",
      "unique_name",
      "upn",
      "uti",
      "ver",
    ]);
    expect(claims).toMatchObject({
      aud: world.apiV1.identifierUri,
      iss: world.entra.issuerV1(world.tenant.id),
      acr: "1",
      amr: ["pwd"],
      appid: world.web.clientId,
      appidacr: "1",
      given_name: "Ada",
      family_name: "Lovelace",
      unique_name: "ada@contoso.example",
      upn: "ada@contoso.example",
      scp: "user_impersonation",
      ver: "1.0",
    });
  });

  it("a v1 token requested by GUID has the GUID as aud; a v2 token's aud is the GUID anyway", async () => {
    const byGuid = claimsOf(
      (await codeFlow(world, { scope: `${world.apiV1.clientId}/.default` })).json.access_token,
    );
    expect(byGuid.claims.aud).toBe(world.apiV1.clientId);
    expect(byGuid.claims.scp).toBe("user_impersonation");
  });

  it("a public client's tokens say azpacr 0", async () => {
    const body = await userTokens(
      world,
      world.cli.clientId,
      `${world.apiV2.identifierUri}/access_as_user`,
      undefined,
      "http://localhost",
    );
    expect(claimsOf(body.access_token).claims.azpacr).toBe("0");
  });
});

describe("app-only tokens (§5.3)", () => {
  it("v2: roles from the granted app permissions, sub = oid = the client's service principal, idtyp app, no scp", async () => {
    world.entra.grantAppRoles(world.daemon.clientId, world.apiV2.clientId, ["Orders.Read"]);
    const body = await appToken(world, world.apiV2.identifierUri);
    expect(Object.keys(body)).toEqual(["token_type", "expires_in", "ext_expires_in", "access_token"]);
    const { claims } = claimsOf(body.access_token);
    expect(Object.keys(claims)).toEqual([
      "aud",
      "iss",
      "iat",
      "nbf",
      "exp",
      "aio",
      "azp",
      "azpacr",
      "idtyp",
      "oid",
      "rh",
      "roles",
      "sub",
      "tid",
      "uti",
      "ver",
    ]);
    expect(claims).toMatchObject({
      aud: world.apiV2.clientId,
      azp: world.daemon.clientId,
      azpacr: "1",
      idtyp: "app",
      oid: world.daemon.servicePrincipalId,
      sub: world.daemon.servicePrincipalId,
      roles: ["Orders.Read"],
      ver: "2.0",
    });
  });

  it("v1: appid/appidacr, idp = iss, aud as requested; no roles claim when nothing is granted", async () => {
    const { header, claims } = claimsOf((await appToken(world, world.apiV1.identifierUri)).access_token);
    expect(header.x5t).toBe(header.kid);
    expect(claims).toMatchObject({
      aud: world.apiV1.identifierUri,
      iss: world.entra.issuerV1(world.tenant.id),
      idp: world.entra.issuerV1(world.tenant.id),
      appid: world.daemon.clientId,
      appidacr: "1",
      idtyp: "app",
      ver: "1.0",
    });
    expect(claims).not.toHaveProperty("roles");
    expect(claims).not.toHaveProperty("scp");
  });
});

describe("groups (§5.4)", () => {
  it("are emitted only when the app's manifest asks for them", async () => {
    const scope = `openid ${world.apiV1.identifierUri}/x`; // apiV1 has groupMembershipClaims None
    const body = (await codeFlow(world, { scope })).json;
    expect(claimsOf(body.access_token).claims).not.toHaveProperty("groups");
    expect(claimsOf(body.id_token).claims).toHaveProperty("groups"); // web asks
  });

  it("up to 200 are listed; above 200 the claim becomes an overage pointer", async () => {
    const w = await startWorld();
    try {
      const ids = (n: number) =>
        Array.from({ length: n }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);
      for (const [name, count] of [
        ["two-hundred", 200],
        ["overage", 201],
      ] as const) {
        const user = w.entra.addUser({
          tenantId: w.tenant.id,
          userPrincipalName: `${name}@contoso.example`,
          password: "pw",
          groups: ids(count),
        });
        const pkce = pkcePair();
        const callback = await signIn(
          w,
          { code_challenge: pkce.challenge, code_challenge_method: "S256" },
          { username: `${name}@contoso.example`, password: "pw" },
        );
        const result = await postForm(tokenUrl(w), {
          grant_type: "authorization_code",
          client_id: w.web.clientId,
          client_secret: "web-secret",
          code: callback.get("code") ?? "",
          redirect_uri: "http://localhost:3000/callback",
          code_verifier: pkce.verifier,
        });
        const claims = claimsOf(result.json.access_token).claims;
        if (count === 200) {
          expect((claims.groups as string[]).length).toBe(200);
          expect(claims).not.toHaveProperty("_claim_names");
        } else {
          expect(claims).not.toHaveProperty("groups");
          expect(claims._claim_names).toEqual({ groups: "src1" });
          expect(claims._claim_sources).toEqual({
            src1: { endpoint: `https://graph.windows.net/${w.tenant.id}/users/${user.oid}/getMemberObjects` },
          });
          expect(claims).not.toHaveProperty("hasgroups"); // implicit flow only
        }
      }
    } finally {
      await w.entra.close();
    }
  });
});

describe("email and xms_edov (§5.5, §5.7)", () => {
  it("an unverified domain: xms_edov false for single-tenant apps, email removed for multi-tenant ones", async () => {
    const w = await startWorld();
    try {
      w.entra.addUser({
        tenantId: w.tenant.id,
        userPrincipalName: "eve@contoso.example",
        password: "pw",
        mail: "ceo@victim.example",
      });
      const multi = w.entra.addApp({
        tenantId: w.tenant.id,
        secret: "m",
        redirectUris: ["http://localhost:3000/callback"],
        multiTenant: true,
      });
      const credentials = { username: "eve@contoso.example", password: "pw" };
      const redeem = async (clientId: string, secret: string) => {
        const callback = await signIn(w, { client_id: clientId, scope: "openid email" }, credentials);
        const result = await postForm(tokenUrl(w), {
          grant_type: "authorization_code",
          client_id: clientId,
          client_secret: secret,
          code: callback.get("code") ?? "",
          redirect_uri: "http://localhost:3000/callback",
        });
        return claimsOf(result.json.id_token).claims;
      };
      expect(await redeem(w.web.clientId, "web-secret")).toMatchObject({
        email: "ceo@victim.example",
        xms_edov: false,
      });
      const removed = await redeem(multi.clientId, "m");
      expect(removed).not.toHaveProperty("email");
      expect(removed).not.toHaveProperty("xms_edov");
    } finally {
      await w.entra.close();
    }
  });
});

describe("Microsoft Graph tokens (§5.6)", () => {
  it("a request naming no resource gets a Graph token: v1 format, a header nonce, and a signature others cannot check", async () => {
    const body = (await codeFlow(world, { scope: "openid profile offline_access" })).json;
    expect(body.scope).toBe("User.Read profile openid");
    const { header, claims } = claimsOf(body.access_token);
    expect(Object.keys(header)).toEqual(["typ", "nonce", "alg", "x5t", "kid"]);
    expect(claims).toMatchObject({
      aud: "00000003-0000-0000-c000-000000000000",
      ver: "1.0",
      scp: "User.Read",
    });
    const keys = (await get(`${world.entra.url}/${world.tenant.id}/discovery/v2.0/keys`)).json;
    await expect(jwtVerify(body.access_token, createLocalJWKSet(keys))).rejects.toThrow(/signature/);
    await expect(jwtVerify(body.id_token, createLocalJWKSet(keys))).resolves.toBeTruthy();
  });
});

describe("lifetimes (§3.4)", () => {
  it("accessTokenLifetimeSeconds fixes the access-token lifetime", async () => {
    const w = await startWorld({ accessTokenLifetimeSeconds: 120 });
    try {
      const body = await appToken(w, w.apiV2.identifierUri);
      expect(body.expires_in).toBe(119);
      expect(body.ext_expires_in).toBe(119);
      const { claims } = claimsOf(body.access_token);
      expect(Number(claims.exp) - Number(claims.iat)).toBe(420);
    } finally {
      await w.entra.close();
    }
  });
});
