import { describe, expect, it } from "vitest";
import { IdSwitchError, keycloak, oidc } from "../../src/index.js";

function configError(run: () => unknown): IdSwitchError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(IdSwitchError);
    return err as IdSwitchError;
  }
  throw new Error("expected a config_invalid error");
}

describe("provider configuration", () => {
  it("reports every problem at once, each with its path", () => {
    const err = configError(() =>
      keycloak({ id: "eu", clientId: "", clientSecret: "s3cret-value" } as never),
    );
    expect(err.code).toBe("config_invalid");
    expect(err.issues?.map((i) => i.path).sort()).toEqual(["clientId", "issuer"]);
    expect(err.message).toContain("issuer:");
    expect(err.message).toContain("clientId: must not be empty");
  });

  it("rejects a non-URL issuer", () => {
    const err = configError(() => oidc({ id: "x", issuer: "not a url", clientId: "app" }));
    expect(err.issues).toEqual([{ path: "issuer", message: "must be an absolute URL" }]);
  });

  it("rejects plain http unless the issuer is on loopback", () => {
    const err = configError(() => oidc({ id: "x", issuer: "http://idp.example.com", clientId: "app" }));
    expect(err.issues?.[0]?.path).toBe("issuer");
    expect(err.issues?.[0]?.message).toMatch(/https/);
    for (const issuer of [
      "http://localhost:8080/realms/a",
      "http://127.0.0.1:8080/realms/a",
      "http://[::1]:8080/realms/a",
    ]) {
      expect(() => keycloak({ id: "x", issuer, clientId: "app" })).not.toThrow();
    }
  });

  it("refuses the full discovery URL where the bare issuer is expected", () => {
    const err = configError(() =>
      oidc({ id: "x", issuer: "https://idp.example.com/.well-known/openid-configuration", clientId: "app" }),
    );
    expect(err.issues?.[0]?.message).toMatch(/bare issuer/);
  });

  it("names a mistyped option", () => {
    const err = configError(() =>
      oidc({ id: "x", issuer: "https://idp.example.com", clientId: "app", clientSecre: "oops" } as never),
    );
    expect(err.issues?.[0]?.path).toBe("clientSecre");
  });

  it("requires a Keycloak issuer to name a realm", () => {
    const err = configError(() => keycloak({ id: "eu", issuer: "https://auth.example.eu", clientId: "app" }));
    expect(err.issues?.[0]).toEqual({
      path: "issuer",
      message: "must be a Keycloak realm URL ending in /realms/<realm>",
    });
  });

  it("refuses symmetric and 'none' algorithms", () => {
    const err = configError(() =>
      oidc({
        id: "x",
        issuer: "https://idp.example.com",
        clientId: "app",
        algorithms: ["HS256", "none"] as never,
      }),
    );
    expect(err.issues?.map((i) => i.path)).toEqual(["algorithms[0]", "algorithms[1]"]);
  });

  it("never repeats a secret it rejects", () => {
    const secret = "super-secret-client-credential-value";
    const err = configError(() =>
      keycloak({
        id: "BAD ID",
        issuer: secret,
        clientId: "app",
        clientSecret: secret,
        admin: { clientId: "", clientSecret: secret },
      }),
    );
    const everything = JSON.stringify(err) + err.message + String(err.stack) + JSON.stringify(err.issues);
    expect(everything).not.toContain(secret);
    expect(err.issues?.map((i) => i.path).sort()).toEqual(["admin.clientId", "id", "issuer"]);
  });
});
