/**
 * `IdSwitchError.claimsChallenge` comes from the provider's own answer on
 * any call (the engine's one classification), not just an exchange: a
 * refresh under Conditional Access carries the claims too. A callback error
 * through the browser demands nothing, whatever it says.
 */
import { expect, it } from "vitest";
import { oidc, type Session } from "../../src/index.js";
import { createFakeIssuer } from "../support/fake-issuer.js";
import { idSwitchErrorOf } from "../support/rejection.js";

const CLAIMS = '{"access_token":{"capolids":{"essential":true,"values":["p-1"]}}}';

it("a refresh refused with interaction_required and claims carries the claims challenge", async () => {
  const fake = await createFakeIssuer();
  fake.token = async () =>
    Response.json(
      { error: "interaction_required", error_description: "MFA", claims: CLAIMS },
      { status: 400 },
    );
  const provider = oidc({
    id: "op",
    issuer: fake.issuer,
    clientId: "app",
    clientSecret: "s3cret",
    runtime: { fetch: fake.fetch },
  });
  const session = {
    provider: "op",
    principal: { claims: { iss: fake.issuer, sub: "u-1" }, subject: "u-1" },
    tokens: {
      accessToken: "a",
      tokenType: "bearer",
      refreshToken: "r",
      expiresAt: undefined,
      idToken: undefined,
      scope: undefined,
    },
  } as unknown as Session;
  const error = await idSwitchErrorOf(provider.refresh(session));
  expect(error).toMatchObject({ code: "interaction_required", claimsChallenge: CLAIMS });
});

it("an interaction_required error through the browser carries no claims challenge", async () => {
  const fake = await createFakeIssuer();
  const provider = oidc({
    id: "op",
    issuer: fake.issuer,
    clientId: "app",
    redirectUri: "http://localhost:3000/callback",
    runtime: { fetch: fake.fetch },
  });
  const { state } = await provider.beginLogin();
  const callback = new URL("http://localhost:3000/callback");
  callback.searchParams.set("error", "interaction_required");
  callback.searchParams.set("claims", CLAIMS);
  callback.searchParams.set("state", state.state);
  const error = await idSwitchErrorOf(provider.completeLogin(callback, state));
  expect(error).toMatchObject({ code: "interaction_required", frontChannel: true });
  expect(error.claimsChallenge).toBeUndefined();
});
