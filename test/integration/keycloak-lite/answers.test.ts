/**
 * Keycloak-lite answers the token endpoint exactly as the real Keycloak
 * 26.7.3 did (test/fixtures/keycloak-answers.json): same status, same body,
 * byte for byte as JSON values.
 */
import { afterAll, describe, expect, it } from "vitest";
import { createKeycloakEmulator } from "../../../src/testing/index.js";
import { importFixtureRealms, liteNewUser } from "../../support/keycloak-lite-harness.js";
import { app, codeFlowTokens, driver, passwordTokens, postToken, realAnswer } from "./world.js";

const kc = await createKeycloakEmulator();
importFixtureRealms(kc);
// A second emulator with a clock of its own, for expiry and for realm-wide changes.
let clock = Date.now();
const timed = await createKeycloakEmulator({ now: () => clock });
importFixtureRealms(timed);
afterAll(() => Promise.all([kc.close(), timed.close()]));

const password = (user: { username: string; password: string }, secret = user.password) => ({
  grant_type: "password",
  ...driver,
  username: user.username,
  password: secret,
});

describe("Keycloak-lite: the real server's token-endpoint answers", () => {
  it("password grant, user disabled — right or wrong password", async () => {
    const user = liteNewUser(kc);
    kc.setUserEnabled("idswitch", user.id, false);
    expect(await postToken(kc, "idswitch", password(user))).toEqual(
      realAnswer("password grant, user disabled"),
    );
    expect(await postToken(kc, "idswitch", password(user, "wrong"))).toEqual(
      realAnswer("password grant, user disabled"),
    );
  });

  it("wrong password (400 on 26.7.3), unknown user, then the brute-force lock — all worded alike", async () => {
    const user = liteNewUser(kc);
    const wrong = realAnswer("wrong password, as Keycloak 26.7.3");
    for (let i = 0; i < 3; i++)
      expect(await postToken(kc, "idswitch", password(user, `bad-${i}`))).toEqual(wrong);
    expect(kc.bruteForceStatus("idswitch", user.id)).toMatchObject({ disabled: true, numFailures: 3 });
    expect(await postToken(kc, "idswitch", password(user))).toEqual(realAnswer("brute-force lock"));
    expect(await postToken(kc, "idswitch", password({ username: "nobody", password: "x" }))).toEqual(wrong);
    kc.unlockUser("idswitch", user.id);
    expect((await postToken(kc, "idswitch", password(user))).status).toBe(200);
  });

  it("required action pending, and a profile missing its names (VERIFY_PROFILE)", async () => {
    const user = liteNewUser(kc);
    kc.setRequiredActions("idswitch", user.id, ["UPDATE_PASSWORD"]);
    expect(await postToken(kc, "idswitch", password(user))).toEqual(realAnswer("required action pending"));
    kc.addUser({ realm: "idswitch", username: "no-names", password: "pw", email: "nn@example.test" });
    expect(await postToken(kc, "idswitch", password({ username: "no-names", password: "pw" }))).toEqual(
      realAnswer("required action pending"),
    );
  });

  it("refresh after the user was disabled", async () => {
    const user = liteNewUser(kc);
    const tokens = await codeFlowTokens(kc, user);
    kc.setUserEnabled("idswitch", user.id, false);
    const refresh = { grant_type: "refresh_token", ...app, refresh_token: String(tokens.refresh_token) };
    expect(await postToken(kc, "idswitch", refresh)).toEqual(
      realAnswer("refresh after the user was disabled"),
    );
  });

  it("refresh after an admin logout", async () => {
    const user = liteNewUser(kc);
    const tokens = await codeFlowTokens(kc, user);
    expect(kc.logoutUser("idswitch", user.id)).toBe(1);
    const refresh = { grant_type: "refresh_token", ...app, refresh_token: String(tokens.refresh_token) };
    expect(await postToken(kc, "idswitch", refresh)).toEqual(
      realAnswer("refresh after logout or session deletion"),
    );
  });

  it("refresh token of another client", async () => {
    const user = liteNewUser(kc);
    const tokens = await passwordTokens(kc, user.username, user.password);
    const refresh = { grant_type: "refresh_token", ...app, refresh_token: String(tokens.refresh_token) };
    expect(await postToken(kc, "idswitch", refresh)).toEqual(realAnswer("refresh token of another client"));
  });

  it("wrong client secret, unknown client, disabled client", async () => {
    const service = { grant_type: "client_credentials", client_id: "service" };
    expect(await postToken(kc, "idswitch", { ...service, client_secret: "nope" })).toEqual(
      realAnswer("wrong client secret"),
    );
    expect(await postToken(kc, "idswitch", { ...service, client_id: "ghost", client_secret: "x" })).toEqual(
      realAnswer("client disabled or unknown"),
    );
    timed.setClientEnabled("idswitch", "service", false);
    expect(await postToken(timed, "idswitch", { ...service, client_secret: "service-secret" })).toEqual(
      realAnswer("client disabled or unknown"),
    );
    timed.setClientEnabled("idswitch", "service", true);
  });

  it("client credentials by a client without a service account", async () => {
    expect(await postToken(kc, "idswitch", { grant_type: "client_credentials", ...app })).toEqual(
      realAnswer("client without service account"),
    );
  });

  it("unsupported grant type, realm missing", async () => {
    expect(await postToken(kc, "idswitch", { grant_type: "magic", ...app })).toEqual(
      realAnswer("unsupported grant type"),
    );
    expect(await postToken(kc, "no-such-realm", { grant_type: "client_credentials", ...app })).toEqual(
      realAnswer("realm does not exist"),
    );
  });

  it("refresh token expired after the session's idle timeout", async () => {
    const user = liteNewUser(timed);
    const tokens = await codeFlowTokens(timed, user);
    clock += 1801 * 1000; // ssoSessionIdleTimeout: 1800 s
    const refresh = { grant_type: "refresh_token", ...app, refresh_token: String(tokens.refresh_token) };
    expect(await postToken(timed, "idswitch", refresh)).toEqual(realAnswer("refresh token expired"));
  });

  it("not-before revocation, then the realm disabled", async () => {
    const user = liteNewUser(timed);
    const tokens = await codeFlowTokens(timed, user);
    timed.setRealmNotBefore("idswitch", Math.floor(clock / 1000) + 1);
    const refresh = { grant_type: "refresh_token", ...app, refresh_token: String(tokens.refresh_token) };
    expect(await postToken(timed, "idswitch", refresh)).toEqual(realAnswer("not-before revocation"));

    timed.setRealmEnabled("idswitch", false);
    expect(await postToken(timed, "idswitch", refresh)).toEqual(realAnswer("realm disabled"));
    timed.setRealmEnabled("idswitch", true);
  });
});
