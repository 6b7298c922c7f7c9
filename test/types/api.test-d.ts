import { describe, expectTypeOf, it } from "vitest";
import {
  type BeginLoginOptions,
  type ClaimsChallenge,
  type EntraProviderOptions,
  type ErrorCode,
  type IdSwitchError,
  isIdSwitchError,
  type KeycloakProvider,
  keycloak,
  type LoginState,
  type Principal,
  type Provider,
  parseClaimsChallenge,
  type Session,
} from "../../src/index.js";

describe("public types", () => {
  it("keycloak() returns a Provider with accountStatus", () => {
    const eu = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });
    expectTypeOf(eu).toExtend<Provider>();
    expectTypeOf(eu).toEqualTypeOf<KeycloakProvider>();
    expectTypeOf(eu.accountStatus).returns.resolves.toHaveProperty("status");
    expectTypeOf(eu.verifyAccessToken).returns.resolves.toEqualTypeOf<Principal>();
    expectTypeOf(eu.completeLogin).parameter(1).toEqualTypeOf<LoginState>();
    expectTypeOf(eu.refresh).returns.resolves.toEqualTypeOf<Session>();
  });

  it("requires an audience to verify", () => {
    const eu = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });
    // @ts-expect-error audience is required
    void eu.verifyAccessToken("t", {});
  });

  it("rejects unknown provider options at compile time too", () => {
    // @ts-expect-error clientSecre is not an option
    keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app", clientSecre: "x" });
  });

  it("narrows errors on their closed code union", () => {
    const err: unknown = undefined;
    if (isIdSwitchError(err)) {
      expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
      // @ts-expect-error not a code of the taxonomy
      const _bogus: ErrorCode = "user_banned";
    }
    expectTypeOf<IdSwitchError["retryable"]>().toEqualTypeOf<boolean>();
    expectTypeOf<"account_disabled">().toExtend<ErrorCode>();
  });

  it("keeps sessions plain data", () => {
    expectTypeOf<Session["tokens"]["expiresAt"]>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Principal["roles"]>().toEqualTypeOf<readonly string[]>();
  });

  it("types the Entra multi-tenant, certificate and CAE surface", () => {
    expectTypeOf<EntraProviderOptions["allowedTenants"]>().toEqualTypeOf<string[] | undefined>();
    expectTypeOf<NonNullable<EntraProviderOptions["clientCertificate"]>["algorithm"]>().toEqualTypeOf<
      "PS256" | "RS256" | undefined
    >();
    expectTypeOf<NonNullable<EntraProviderOptions["clientCertificate"]>["privateKey"]>().toEqualTypeOf<
      CryptoKey | string
    >();
    expectTypeOf(parseClaimsChallenge).returns.toEqualTypeOf<ClaimsChallenge | undefined>();
    expectTypeOf<BeginLoginOptions["claims"]>().toEqualTypeOf<string | undefined>();
  });
});
