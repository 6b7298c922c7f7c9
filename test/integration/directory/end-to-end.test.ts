/**
 * End to end: a person mirrored from Entra into the real Keycloak, then
 * disabled at Entra. createIdentity (Entra emulator + real Keycloak, with
 * `linking.claim`) offers Keycloak; their Keycloak sign-in joins the same app
 * user through the mirrored `entra_id` attribute the mirror's protocol
 * mapper put in the token. The mirror copies no password: the test sets one
 * through the admin API, standing in for the person's onboarding.
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import { mirror } from "../../../src/directory/index.js";
import { createIdentity, entraId, type Identity, keycloak, MemoryStateStore } from "../../../src/index.js";
import { signInThroughSignInPage } from "../../support/entra-login.js";
import { issuerOf, REDIRECT_URI } from "../../support/keycloak-env.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";
import {
  type Directory,
  generatedDirectory,
  mirrorRealm,
  sourceOf,
  type TestRealm,
  targetOf,
} from "./support.js";

const ENTRA_REDIRECT = "http://localhost:3000/callback/entra";
let dir: Directory;
let realm: TestRealm;
let identity: Identity;
const person = { username: "ada@contoso.example", password: "ada-password-1" };

beforeAll(async () => {
  dir = await generatedDirectory(5, 2);
  realm = await mirrorRealm();
  const web = dir.entra.addApp({
    tenantId: dir.tenantId,
    displayName: "web",
    secret: "web-secret",
    redirectUris: [ENTRA_REDIRECT],
  });
  identity = createIdentity({
    providers: [
      entraId({
        id: "entra",
        tenantId: dir.tenantId,
        clientId: web.clientId,
        clientSecret: "web-secret",
        authority: dir.entra.url,
        v1IssuerBase: dir.entra.v1IssuerBase,
        redirectUri: ENTRA_REDIRECT,
      }),
      keycloak({
        id: "eu",
        issuer: issuerOf(realm.name),
        clientId: "app",
        clientSecret: "app-secret",
        redirectUri: REDIRECT_URI,
      }),
    ],
    routing: { order: ["entra", "eu"] },
    linking: { claim: { name: "entra_id", provider: "entra", from: ["eu"] } },
  });
});
afterAll(async () => {
  await identity?.close();
  await realm?.delete();
  await dir?.entra.close();
});

async function signIn(provider?: string) {
  const request = await identity.beginLogin(provider ? { provider } : {});
  const result =
    request.provider === "entra"
      ? await signInThroughSignInPage(request.url.href, person, { redirectUriPrefix: ENTRA_REDIRECT })
      : await signInThroughLoginForm(request.url.href, person, { redirectUriPrefix: REDIRECT_URI });
  if (!("callbackUrl" in result))
    throw new Error(`sign-in at ${request.provider} refused: ${JSON.stringify(result)}`);
  return identity.completeLogin(result.callbackUrl, request.state);
}

it("mirrored, disabled at Entra, offered Keycloak, signed in there as the same app user", async () => {
  const ada = dir.entra.addUser({
    tenantId: dir.tenantId,
    userPrincipalName: person.username,
    password: person.password,
    givenName: "Ada",
    surname: "Lovelace",
    displayName: "Ada Lovelace",
    mail: person.username,
  });
  const target = targetOf(realm);
  const run = mirror({ source: sourceOf(dir), target, state: new MemoryStateStore(), policy: "hold" });
  expect((await run.apply()).counts["create-user"]).toBe(6);

  const atEntra = await signIn();
  expect(atEntra.principal.provider).toBe("entra");

  dir.entra.setUserState(ada.oid, "disabled");
  const denial = await identity.refresh(atEntra).catch((e: unknown) => e);
  expect(denial).toMatchObject({ code: "account_disabled", alternatives: ["eu"] });
  // hold: the mirror reports the divergence and leaves the Keycloak account as it is.
  const held = await run.apply();
  expect(held.divergences).toEqual([
    expect.objectContaining({ key: `${dir.tenantId}:${ada.oid}`, reason: "disabled-at-source" }),
  ]);

  // The person's onboarding, done by the test: a password of their own (the mirror never copies one).
  const account = await target.findUser(`${dir.tenantId}:${ada.oid}`);
  expect(account).toBeDefined();
  await target.http.call("PUT", `/users/${account?.id}/reset-password`, {
    type: "password",
    value: person.password,
    temporary: false,
  });

  const atKeycloak = await signIn("eu");
  expect(atKeycloak.principal.provider).toBe("eu");
  expect(atKeycloak.principal.claims.entra_id).toBe(`${dir.tenantId}:${ada.oid}`);
  expect(atKeycloak.appUserId).toBe(atEntra.appUserId);
});
