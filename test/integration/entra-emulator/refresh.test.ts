// Refresh tokens: rotation (§3.2), lifetimes (§3.4) and the revocation matrix (§7) with their AADSTS answers (§6.4).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  claimsOf,
  expectEntraError,
  pkcePair,
  postForm,
  signIn,
  startWorld,
  tokenUrl,
  type World,
} from "./world.js";

let world: World;
let clock = Date.now();

beforeAll(async () => {
  world = await startWorld({ now: () => clock });
});
afterAll(() => world.entra.close());
beforeEach(() => {
  clock = Date.now();
});

let counter = 0;
/** A fresh user signed in to the web app (confidential) or the CLI (public): returns its refresh token. */
async function session(kind: "confidential" | "public" = "confidential") {
  const username = `user${++counter}@contoso.example`;
  const user = world.entra.addUser({
    tenantId: world.tenant.id,
    userPrincipalName: username,
    password: "pw",
  });
  const client = kind === "confidential" ? world.web.clientId : world.cli.clientId;
  const redirectUri = kind === "confidential" ? "http://localhost:3000/callback" : "http://localhost";
  const pkce = pkcePair();
  const callback = await signIn(
    world,
    {
      client_id: client,
      redirect_uri: redirectUri,
      code_challenge: pkce.challenge,
      code_challenge_method: "S256",
    },
    { username, password: "pw" },
  );
  const form: Record<string, string> = {
    grant_type: "authorization_code",
    client_id: client,
    code: callback.get("code") ?? "",
    redirect_uri: redirectUri,
    code_verifier: pkce.verifier,
  };
  if (kind === "confidential") form.client_secret = "web-secret";
  const tokens = (await postForm(tokenUrl(world), form)).json;
  const refresh = (refreshToken: string = tokens.refresh_token, extra: Record<string, string> = {}) =>
    postForm(tokenUrl(world), {
      grant_type: "refresh_token",
      client_id: client,
      refresh_token: refreshToken,
      ...(kind === "confidential" ? { client_secret: "web-secret" } : {}),
      ...extra,
    });
  return { user, tokens, refresh };
}

describe("rotation (§3.2)", () => {
  it("returns a new refresh token, access token and ID token; the old refresh token keeps working", async () => {
    const { tokens, refresh } = await session();
    const first = await refresh();
    expect(first.status).toBe(200);
    expect(first.json.refresh_token).toBeTruthy();
    expect(first.json.refresh_token).not.toBe(tokens.refresh_token);
    expect(first.json.access_token).not.toBe(tokens.access_token);
    expect(claimsOf(first.json.id_token).claims).not.toHaveProperty("nonce");
    expect(claimsOf(first.json.id_token).claims.sid).toBe(claimsOf(tokens.id_token).claims.sid);
    expect((await refresh(tokens.refresh_token)).status).toBe(200); // not revoked server-side
    expect((await refresh(first.json.refresh_token)).status).toBe(200);
  });

  it("reports the refresh token's age in x-ms-clitelem (§1.7)", async () => {
    const { refresh } = await session();
    clock += 604_687_012.8;
    const result = await refresh();
    expect(result.headers.get("x-ms-clitelem")).toBe("1,0,0,604687.0128,");
  });

  it("is not bound to a resource: scope may name another API (§3.1)", async () => {
    const { refresh } = await session();
    const result = await refresh(undefined, {
      scope: `${world.apiV1.identifierUri}/user_impersonation openid`,
    });
    expect(claimsOf(result.json.access_token).claims.aud).toBe(world.apiV1.identifierUri);
    expect(result.json.refresh_token).toBeTruthy(); // the grant keeps offline_access
  });

  it("an unknown refresh token is 9002313, another client's is refused", async () => {
    const { tokens, refresh } = await session();
    expectEntraError(expect, await refresh("1.Agarbage"), 400, "invalid_grant", 9002313);
    const stolen = await postForm(tokenUrl(world), {
      grant_type: "refresh_token",
      client_id: world.cli.clientId,
      refresh_token: tokens.refresh_token,
    });
    expect(stolen.json.error).toBe("invalid_grant");
  });
});

describe("lifetime (§3.4, §6.4)", () => {
  it("dies after 90 days of inactivity: 700082 with the issue date and idle time", async () => {
    const { refresh } = await session();
    clock += 91 * 86_400_000;
    const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 700082);
    expect(body.error_description).toMatch(
      /^AADSTS700082: The refresh token has expired due to inactivity\. The token was issued on \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{7}Z and was inactive for 91\.00:00:00\./,
    );
    expect(body).not.toHaveProperty("suberror");
  });

  it("a rotated token restarts the 90 days", async () => {
    const { refresh } = await session();
    clock += 60 * 86_400_000;
    const next = (await refresh()).json.refresh_token;
    clock += 60 * 86_400_000;
    expect((await refresh(next)).status).toBe(200);
  });

  it("Conditional Access sign-in frequency: 70043 invalid_grant + token_expired, no error_uri", async () => {
    const { refresh } = await session();
    world.entra.setSignInFrequency(world.tenant.id, 3600);
    try {
      clock += 2 * 3_600_000;
      const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 70043);
      expect(body.suberror).toBe("token_expired");
      expect(body).not.toHaveProperty("error_uri");
      expect(body.error_description).toMatch(
        /^AADSTS70043: The refresh token has expired or is invalid due to sign-in frequency checks by conditional access\. The token was issued on .+Z and the maximum allowed lifetime for this request is 3600\./,
      );
    } finally {
      world.entra.setSignInFrequency(world.tenant.id, undefined);
    }
  });
});

describe("revocation matrix (§7)", () => {
  it("admin/user revokes sessions: 50173 for every client, with the dates, suberror bad_token", async () => {
    for (const kind of ["confidential", "public"] as const) {
      const { user, refresh } = await session(kind);
      world.entra.setUserState(user.oid, "tokens_revoked");
      const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 50173);
      expect(body.suberror).toBe("bad_token");
      expect(body.error_description).toMatch(
        /^AADSTS50173: The provided grant has expired due to it being revoked, a fresh auth token is needed\. The user might have changed or reset their password\. The grant was issued on '.+Z' and the TokensValidFrom date \(before which tokens are not valid\) for this user is '.+Z'\./,
      );
      expect(body.error_uri).toMatch(/\/error\?code=50173$/);
    }
  });

  it("after revocation a new sign-in works (the account stays usable)", async () => {
    const { user } = await session();
    world.entra.setUserState(user.oid, "tokens_revoked");
    const callback = await signIn(world, {}, { username: `user${counter}@contoso.example`, password: "pw" });
    expect(callback.get("code")).toBeTruthy();
  });

  it("a password change revokes public-client tokens only", async () => {
    const pub = await session("public");
    const conf = await session("confidential");
    world.entra.changePassword(pub.user.oid, "new");
    world.entra.changePassword(conf.user.oid, "new");
    expectEntraError(expect, await pub.refresh(), 400, "invalid_grant", 50173);
    expect((await conf.refresh()).status).toBe(200);
  });

  it("an admin reset in the Entra admin center revokes confidential clients' tokens too", async () => {
    const conf = await session("confidential");
    world.entra.changePassword(conf.user.oid, "new", "admin_reset_entra");
    expectEntraError(expect, await conf.refresh(), 400, "invalid_grant", 50173);
  });

  it("an expired password, a lockout and a sign-out do not stop refresh tokens", async () => {
    for (const state of ["password_expired", "locked"] as const) {
      const { user, refresh } = await session("public");
      world.entra.setUserState(user.oid, state);
      expect((await refresh()).status, state).toBe(200);
    }
    const { refresh } = await session();
    await postForm(`${world.entra.authority(world.tenant.id)}/oauth2/v2.0/logout`, {});
    expect((await refresh()).status).toBe(200);
  });
});

describe("account state on refresh (§6.4, §6.6)", () => {
  it("disabled: 50057 'The user account is disabled.', no suberror", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "disabled");
    const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 50057);
    expect(body.error_description).toMatch(/^AADSTS50057: The user account is disabled\. Trace ID: /);
    expect(body).not.toHaveProperty("suberror");
    expect(Object.keys(body)).toEqual([
      "error",
      "error_description",
      "error_codes",
      "timestamp",
      "trace_id",
      "correlation_id",
      "error_uri",
    ]);
  });

  it("deleted: 50034 with suberror bad_token", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "deleted");
    expect(expectEntraError(expect, await refresh(), 400, "invalid_grant", 50034).suberror).toBe("bad_token");
  });

  it("MFA required: 50076 invalid_grant + basic_action naming the resource", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "mfa_required");
    const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 50076);
    expect(body.suberror).toBe("basic_action");
    expect(body.error_description).toContain(
      `you must use multi-factor authentication to access '${world.apiV2.clientId}'.`,
    );
  });

  it("blocked by Conditional Access: 53003 invalid_grant + message_only", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "blocked_by_conditional_access");
    const body = expectEntraError(expect, await refresh(), 400, "invalid_grant", 53003);
    expect(body.suberror).toBe("message_only");
    expect(body.error_description).toMatch(
      /^AADSTS53003: Access has been blocked by Conditional Access policies\. /,
    );
  });

  it("a re-enabled account refreshes again", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "disabled");
    expect((await refresh()).status).toBe(400);
    world.entra.setUserState(user.oid, "active");
    expect((await refresh()).status).toBe(200);
  });

  it("x-ms-clitelem carries the AADSTS code of a refusal", async () => {
    const { user, refresh } = await session();
    world.entra.setUserState(user.oid, "tokens_revoked");
    expect((await refresh()).headers.get("x-ms-clitelem")).toMatch(/^1,50173,0,\d+\.\d{4},$/);
  });
});
