// Continuous Access Evaluation (docs/reference/entra-id.md §8): cp1 clients get long-lived tokens carrying xms_cc; the demo
// resource answers a revoked user's still-valid token with the §8.3 claims challenge; a sign-in that carries the
// challenge's claims gets a token newer than the event.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimsOf, codeFlow, get, signIn, startWorld, type World } from "./world.js";

const CP1 = '{"access_token":{"xms_cc":{"values":["CP1"]}}}';
let world: World;

beforeAll(async () => {
  world = await startWorld();
});
afterAll(() => world.entra.close());

const resource = (token?: string) =>
  get(world.entra.caeResource, token === undefined ? {} : { authorization: `Bearer ${token}` });

/** The §8.3 header: Bearer realm="", authorization_uri, client_id, error, claims (padded standard base64). */
const CHALLENGE =
  /^Bearer realm="", authorization_uri="([^"]+)", client_id="([^"]+)", error="insufficient_claims", claims="([A-Za-z0-9+/]+={0,2})"$/;

function decodedChallenge(header: string | null) {
  const match = CHALLENGE.exec(header ?? "");
  expect(match, header ?? "no WWW-Authenticate").not.toBeNull();
  return {
    authorizationUri: match?.[1],
    clientId: match?.[2],
    claims: JSON.parse(Buffer.from(match?.[3] ?? "", "base64").toString("utf8")),
  };
}

describe("client capabilities (§8.2)", () => {
  it("a cp1 sign-in gets a 20–28 h access token carrying xms_cc; without cp1, ~1 h and no xms_cc", async () => {
    const cae = await codeFlow(world, { claims: CP1 });
    expect(cae.status, cae.text).toBe(200);
    expect(claimsOf(cae.json.access_token).claims.xms_cc).toEqual(["cp1"]);
    expect(cae.json.expires_in).toBeGreaterThanOrEqual(20 * 3600 - 1);
    expect(cae.json.expires_in).toBeLessThanOrEqual(28 * 3600);
    const plain = await codeFlow(world);
    expect(claimsOf(plain.json.access_token).claims.xms_cc).toBeUndefined();
    expect(plain.json.expires_in).toBeLessThanOrEqual(5400);
  });

  it("a claims parameter that is not a JSON object is an invalid_request redirect", async () => {
    const callback = await signIn(world, { claims: "cp1" });
    expect(callback.get("error")).toBe("invalid_request");
  });
});

describe("the demo CAE resource (§8.1, §8.3)", () => {
  it("answers 401 without a token (RFC 6750) and invalid_token for one it did not sign", async () => {
    const bare = await resource();
    expect(bare.status).toBe(401);
    expect(bare.headers.get("www-authenticate")).toBe('Bearer realm=""');
    const forged = await resource("eyJhbGciOiJSUzI1NiJ9.eyJvaWQiOiJ4In0.c2ln");
    expect(forged.headers.get("www-authenticate")).toContain('error="invalid_token"');
  });

  it("challenges a cp1 token once the user's sessions are revoked; a non-cp1 token lives on", async () => {
    const w = await startWorld();
    try {
      const cae = (await codeFlow(w, { claims: CP1 })).json.access_token;
      const plain = (await codeFlow(w)).json.access_token;
      const ok = await get(w.entra.caeResource, { authorization: `Bearer ${cae}` });
      expect(ok.status, ok.text).toBe(200);
      expect(ok.json).toMatchObject({ oid: w.user.oid, caeEvaluated: true });

      const before = Math.floor(Date.now() / 1000);
      w.entra.setUserState(w.user.oid, "tokens_revoked");
      const refused = await get(w.entra.caeResource, { authorization: `Bearer ${cae}` });
      expect(refused.status).toBe(401);
      expect(refused.json).toEqual({ error: "insufficient_claims" });
      const challenge = decodedChallenge(refused.headers.get("www-authenticate"));
      expect(challenge.authorizationUri).toBe(`${w.entra.url}/common/oauth2/authorize`);
      expect(challenge.clientId).toBe(w.apiV2.clientId);
      expect(Object.keys(challenge.claims.access_token)).toEqual(["nbf"]);
      expect(challenge.claims.access_token.nbf.essential).toBe(true);
      expect(Number(challenge.claims.access_token.nbf.value)).toBeGreaterThanOrEqual(before);

      expect((await get(w.entra.caeResource, { authorization: `Bearer ${plain}` })).status).toBe(200);

      // A new cp1 token that ignores the challenge is backdated (§5.3) to before the event: challenged again.
      const ignoring = (await codeFlow(w, { claims: CP1 })).json.access_token;
      expect((await get(w.entra.caeResource, { authorization: `Bearer ${ignoring}` })).status).toBe(401);
      // A sign-in carrying the challenge's claims (with cp1) gets a token that starts no earlier than the event.
      const demanded = challenge.claims.access_token.nbf.value;
      const claims = JSON.stringify({
        access_token: { xms_cc: { values: ["cp1"] }, nbf: { essential: true, value: demanded } },
      });
      const fresh = (await codeFlow(w, { claims })).json.access_token;
      expect(claimsOf(fresh).claims.nbf).toBeGreaterThanOrEqual(Number(demanded));
      expect((await get(w.entra.caeResource, { authorization: `Bearer ${fresh}` })).status).toBe(200);
    } finally {
      await w.entra.close();
    }
  });

  it("challenges a cp1 token of a user disabled since", async () => {
    const w = await startWorld();
    try {
      const cae = (await codeFlow(w, { claims: CP1 })).json.access_token;
      w.entra.setUserState(w.user.oid, "disabled");
      const refused = await get(w.entra.caeResource, { authorization: `Bearer ${cae}` });
      expect(refused.status).toBe(401);
      decodedChallenge(refused.headers.get("www-authenticate"));
    } finally {
      await w.entra.close();
    }
  });
});
