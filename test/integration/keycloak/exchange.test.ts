/**
 * `identity.exchange` against the real Keycloak 26.7.3 (standard token
 * exchange v2, RFC 8693): a web API receives a person's token, verifies it,
 * and calls the next API as the same person; the next API's own
 * verification accepts the exchanged token with the same subject. Every
 * refusal on Keycloak's error ladder maps to the taxonomy, and a token of
 * another issuer never reaches Keycloak.
 */
import { generateKeyPair, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, keycloak } from "../../../src/index.js";
import {
  clientProvider,
  createExchangeClients,
  type ExchangeClients,
} from "../../support/keycloak-downstream.js";
import {
  appProvider,
  issuerOf,
  masterAdmin,
  newUser,
  realmAdmin,
  rejectionOf,
  signIn,
  type TestUser,
} from "../../support/keycloak-env.js";

let clients: ExchangeClients;
let user: TestUser;
/** Ada's access token from the web app: what the orders API receives. */
let adaToken: string;
let adaSubject: string;
const requests: string[] = [];

/** An API's view of Keycloak: its own client, counting what it sends to the token endpoint. */
function api(client: { clientId: string; secret?: string }): Identity {
  return createIdentity({
    providers: [
      keycloak({
        id: "eu",
        issuer: issuerOf(),
        clientId: client.clientId,
        ...(client.secret ? { clientSecret: client.secret } : {}),
        runtime: {
          fetch: (input, init) => {
            const url = String(input instanceof Request ? input.url : input);
            if (url.endsWith("/token")) requests.push(url);
            return fetch(input, init);
          },
        },
      }),
    ],
  });
}

beforeAll(async () => {
  clients = await createExchangeClients(masterAdmin());
  user = await newUser();
  const web = clientProvider(clients.web);
  const session = await signIn(web, user);
  adaToken = session.tokens.accessToken;
  adaSubject = session.principal.subject;
});
afterAll(() => clients?.remove());

describe("exchange at Keycloak (standard token exchange v2)", () => {
  it("the orders API calls the stock API as Ada: the stock API verifies the token with the same subject", async () => {
    const orders = api(clients.orders);
    const received = await orders.verifyAccessToken(adaToken, { audience: clients.orders.clientId });
    const downstream = await orders.exchange(adaToken, { audience: clients.stock.clientId });
    expect(downstream.tokenType.toLowerCase()).toBe("bearer");
    expect(downstream.refreshToken).toBeUndefined(); // Keycloak issues none unless the client enables it

    const stock = api(clients.stock);
    const principal = await stock.verifyAccessToken(downstream.accessToken, {
      audience: clients.stock.clientId,
    });
    expect(principal.subject).toBe(received.subject);
    expect(principal.subject).toBe(adaSubject);
    expect(principal.claims.azp).toBe(clients.orders.clientId); // who asked: the orders API
    // Not for the orders API any more, and not for another API either.
    await expect(
      stock.verifyAccessToken(downstream.accessToken, { audience: clients.orders.clientId }),
    ).rejects.toMatchObject({
      code: "token_invalid",
      reason: "audience",
    });
  });

  it("asks once per subject token and downstream API until shortly before expiry, concurrent calls included", async () => {
    const orders = api(clients.orders);
    const before = requests.length;
    const [first, second] = await Promise.all([
      orders.exchange(adaToken, { audience: clients.stock.clientId }),
      orders.exchange(adaToken, { audience: clients.stock.clientId }),
    ]);
    const third = await orders.exchange(adaToken, { audience: clients.stock.clientId });
    expect(second.accessToken).toBe(first.accessToken);
    expect(third.accessToken).toBe(first.accessToken);
    expect(requests.length - before).toBe(1);
    // Another downstream API is another question.
    await orders.exchange(adaToken, { audience: clients.stock.clientId, scope: "openid" });
    expect(requests.length - before).toBe(2);
  });

  it("a requester without the exchange permission: access_blocked (the realm's policy), not a configuration crash", async () => {
    const error = await rejectionOf(
      api(clients.ordersWithoutExchange).exchange(adaToken, { audience: clients.stock.clientId }),
    );
    expect(error).toMatchObject({ code: "access_blocked", reason: "exchange_not_enabled", provider: "eu" });
  });

  it("a downstream API the requester has no audience mapper for: access_blocked", async () => {
    const error = await rejectionOf(
      api(clients.orders).exchange(adaToken, { audience: clients.ledger.clientId }),
    );
    expect(error).toMatchObject({ code: "access_blocked", reason: "audience_not_available" });
  });

  it("a subject token not issued for the requester (the realm's `app` client's, audience `api`): access_blocked", async () => {
    const other = await signIn(appProvider(), user);
    const error = await rejectionOf(
      api(clients.orders).exchange(other.tokens.accessToken, { audience: clients.stock.clientId }),
    );
    expect(error).toMatchObject({ code: "access_blocked", reason: "not_in_subject_audience" });
  });

  it("a subject token Keycloak does not take (a forged signature, or a person disabled since): token_invalid", async () => {
    const [header, payload] = adaToken.split(".");
    const forged = `${header}.${payload}.${Buffer.from("not the signature").toString("base64url")}`;
    const error = await rejectionOf(
      api(clients.orders).exchange(forged, { audience: clients.stock.clientId }),
    );
    expect(error).toMatchObject({ code: "token_invalid", reason: "subject_token", provider: "eu" });
    // The person disabled after the orders API accepted their token: Keycloak says the same.
    const disabled = await newUser();
    const token = (await signIn(clientProvider(clients.web), disabled)).tokens.accessToken;
    await realmAdmin().setUserEnabled(disabled.id, false);
    const refused = await rejectionOf(
      api(clients.orders).exchange(token, { audience: clients.stock.clientId }),
    );
    expect(refused).toMatchObject({ code: "token_invalid", reason: "subject_token" });
  });

  it("a token of an issuer no provider has is refused before any network call", async () => {
    const before = requests.length;
    const { privateKey } = await generateKeyPair("ES256");
    const foreign = await new SignJWT({ sub: adaSubject, aud: clients.orders.clientId, typ: "Bearer" })
      .setProtectedHeader({ alg: "ES256" })
      .setIssuer("https://login.attacker.example/realms/idswitch")
      .setExpirationTime("5m")
      .sign(privateKey);
    const error = await rejectionOf(
      api(clients.orders).exchange(foreign, { audience: clients.stock.clientId }),
    );
    expect(error).toMatchObject({ code: "token_invalid", reason: "issuer" });
    expect(requests.length).toBe(before);
  });

  it("naming no downstream API is a programmer error", async () => {
    await expect(api(clients.orders).exchange(adaToken, {})).rejects.toThrow(TypeError);
  });
});
