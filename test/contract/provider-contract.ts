/**
 * ONE suite, run against every provider (README.md, "Development"): the
 * same scenarios must hold for the real Keycloak and for the Entra emulator.
 */
import { base64url } from "jose";
import { describe, expect, it } from "vitest";
import { idSwitchErrorOf } from "../support/rejection.js";
import { type ContractHarness, signInWith } from "./harness.js";

export function describeProviderContract(harness: ContractHarness): void {
  const { audience, clientCredentials } = harness;

  describe(`provider contract: ${harness.name}`, () => {
    it("signs a user in through the provider's own page", async () => {
      const user = await harness.newUser();
      const session = await signInWith(harness, harness.webProvider(), user);
      expect(session.principal.subject).toBe(user.id);
      expect(session.principal.tenant).toBeTruthy();
      expect(session.tokens.refreshToken).toBeTruthy();
    });

    it("refreshes and keeps the same person", async () => {
      const provider = harness.webProvider();
      const session = await signInWith(harness, provider, await harness.newUser());
      const refreshed = await provider.refresh(session);
      expect(refreshed.principal.subject).toBe(session.principal.subject);
      expect(refreshed.tokens.accessToken).not.toBe(session.tokens.accessToken);
    });

    it("issues client-credentials tokens that verify for the API", async () => {
      const tokens = await harness.serviceProvider().clientCredentials(clientCredentials);
      const principal = await harness.serviceProvider().verifyAccessToken(tokens.accessToken, { audience });
      expect(principal.subject).toBeTruthy();
    });

    it("completes a device login approved at the provider's device page", async () => {
      const provider = harness.deviceProvider();
      const user = await harness.newUser();
      const handle = await provider.beginDeviceLogin();
      const polling = provider.completeDeviceLogin(handle);
      await harness.approveDevice(handle, user);
      expect((await polling).principal.subject).toBe(user.id);
    });

    describe("verification", () => {
      it("accepts the provider's own access token", async () => {
        const provider = harness.webProvider();
        const session = await signInWith(harness, provider, await harness.newUser());
        const principal = await provider.verifyAccessToken(session.tokens.accessToken, { audience });
        expect(principal.subject).toBe(session.principal.subject);
      });

      it("rejects a token of another tenant or realm", async () => {
        const err = await idSwitchErrorOf(
          harness.webProvider().verifyAccessToken(await harness.foreignAccessToken(), { audience }),
        );
        expect(err).toMatchObject({ code: "token_invalid", reason: "issuer" });
      });

      it("rejects an ID token, a wrong audience, an expired token and a tampered signature", async () => {
        const provider = harness.webProvider();
        const session = await signInWith(harness, provider, await harness.newUser());
        const { accessToken, idToken } = session.tokens;
        const reason = async (token: string, options = { audience }, p = provider) =>
          (await idSwitchErrorOf(p.verifyAccessToken(token, options))).reason;

        expect(await reason(idToken as string)).toMatch(/token_type|audience/);
        expect(await reason(accessToken, { audience: "someone-else" })).toBe("audience");
        const later = harness.webProvider({ runtime: { now: () => Date.now() + 48 * 3_600_000 } });
        expect(await reason(accessToken, { audience }, later)).toBe("expired");
        const [h, p, s] = accessToken.split(".") as [string, string, string];
        expect(await reason(`${h}.${p}.${s.slice(0, 10)}${s[10] === "A" ? "B" : "A"}${s.slice(11)}`)).toBe(
          "signature",
        );
        const none = base64url.encode(JSON.stringify({ alg: "none", typ: "JWT" }));
        expect(await reason(`${none}.${p}.`)).toBe("algorithm");
      });
    });

    describe("denials", () => {
      it("a disabled user's refresh is account_disabled", async () => {
        const provider = harness.webProvider();
        const user = await harness.newUser();
        const session = await signInWith(harness, provider, user);
        await harness.disableUser(user);
        expect(await idSwitchErrorOf(provider.refresh(session))).toMatchObject({
          code: "account_disabled",
          retryable: false,
        });
      });

      it("a locked user cannot sign in", async () => {
        const user = await harness.newUser();
        await harness.lockUser(user);
        const { url } = await harness.webProvider().beginLogin();
        expect(await harness.submitLoginPage(url, user)).toHaveProperty("error");
      });

      it("a revoked session's refresh is session_revoked", async () => {
        const provider = harness.webProvider();
        const user = await harness.newUser();
        const session = await signInWith(harness, provider, user);
        await harness.revokeSessions(user);
        expect(await idSwitchErrorOf(provider.refresh(session))).toMatchObject({ code: "session_revoked" });
      });

      it("a wrong client secret is client_suspended", async () => {
        const err = await idSwitchErrorOf(
          harness.serviceProvider({ clientSecret: "not-the-secret" }).clientCredentials(clientCredentials),
        );
        expect(err).toMatchObject({ code: "client_suspended", retryable: false });
        expect(`${err.message} ${JSON.stringify(err)}`).not.toContain("not-the-secret");
      });
    });

    it("an unreachable provider is provider_unavailable, retryable", async () => {
      const err = await idSwitchErrorOf(harness.unreachableProvider().clientCredentials(clientCredentials));
      expect(err).toMatchObject({ code: "provider_unavailable", retryable: true });
    });
  });
}
