/**
 * SECURITY.md #10, #12, #13, #20: a token is only ever good at its own
 * issuer. Entra tenants share signing keys (the common key set), Keycloak
 * realms on one host can share keys (export/import), and two providers sit
 * behind one createIdentity: the issuer check is the wall.
 */
import { generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, entraId, keycloak } from "../../src/index.js";
import {
  attackerKey,
  decodePart,
  forge,
  partsOf,
  type Recorder,
  recordingFetch,
  reshape,
  startRecorder,
} from "../support/attacker.js";
import { issuerOf } from "../support/keycloak-env.js";
import { createLabRealm, type LabRealm } from "../support/lab-realms.js";
import { expectNoRequests, jwksFetches, refusal, type SecurityWorld, securityWorld } from "./world.js";

const CONSUMER_TENANT = "9188040d-6c67-4c5b-b112-36a304b66dad";

let world: SecurityWorld;
let entraToken: string;
let keycloakToken: string;
beforeAll(async () => {
  world = await securityWorld();
  [entraToken, keycloakToken] = await Promise.all([world.entraToken(), world.keycloakToken()]);
});
afterAll(() => world.close());

const claimsOf = (token: string) => decodePart(partsOf(token)[1]);
const kidOf = (token: string) => String(decodePart(partsOf(token)[0]).kid);

describe("A2#10 issuer spoofing across Entra tenants", () => {
  it("A2#10 a genuine token of another tenant, signed with the very same keys, is refused before any request", async () => {
    const foreign = await world.attackerTenantToken();
    expect(kidOf(foreign)).toBe(kidOf(entraToken)); // one key set signs for every tenant
    const stage = world.stage();
    await refusal(stage.identity.verifyAccessToken(foreign, { audience: world.audience }), "issuer");
    expectNoRequests(stage);
  });

  it("A2#10 tid ≠ the tenant in iss, a non-GUID tid, the consumer tenant, and a v1 issuer on a v2 token are refused before any request", async () => {
    const stage = world.stage();
    const key = await attackerKey("RS256", { kid: kidOf(entraToken) });
    const claims = claimsOf(entraToken);
    const victimIssuer = world.entra.issuerV2(world.tenantId);
    const variants = {
      "tid of the attacker, iss of the victim": { ...claims, tid: world.attackerTenantId },
      "tid of the victim, iss of the attacker": {
        ...claims,
        iss: world.entra.issuerV2(world.attackerTenantId),
      },
      "non-GUID tid": { ...claims, tid: "victim.example" },
      "tid with a suffix": { ...claims, tid: `${world.tenantId}x` },
      "no tid": { ...claims, tid: undefined },
      "consumer tenant": { ...claims, tid: CONSUMER_TENANT, iss: world.entra.issuerV2(CONSUMER_TENANT) },
      "v1 issuer on a v2 token": { ...claims, iss: world.entra.issuerV1(world.tenantId) },
      "v2 issuer on a v1 token": { ...claims, ver: "1.0", iss: victimIssuer },
      "common issuer": { ...claims, iss: `${world.entra.url}/common/v2.0` },
      "templated issuer": { ...claims, iss: `${world.entra.url}/{tenantid}/v2.0` },
      "issuer with another case": { ...claims, iss: victimIssuer.toUpperCase() },
      "issuer with a trailing slash": { ...claims, iss: `${victimIssuer}/` },
    };
    for (const [name, payload] of Object.entries(variants)) {
      const error = await refusal(
        stage.identity.verifyAccessToken(forge(key, payload), { audience: world.audience }),
        "issuer",
      );
      expect(error.provider, name).toBeUndefined();
    }
    expectNoRequests(stage);
  });

  it("A2#10 an Entra provider cannot be configured for 'common' or 'organizations' (no tenant to pin)", () => {
    for (const tenantId of ["common", "organizations", "consumers"]) {
      expect(() => entraId({ id: "entra", tenantId, clientId: "x", authority: world.entra.url })).toThrow(
        expect.objectContaining({ code: "config_invalid" }),
      );
    }
  });
});

describe("A2#12 token substitution between the two providers", () => {
  it("A2#12a a Keycloak-signed token relabelled with Entra's iss/tid is checked with Entra's keys only", async () => {
    const stage = world.stage();
    await stage.identity.verifyAccessToken(keycloakToken, { audience: world.audience }); // Keycloak's keys are loaded
    const relabelled = reshape(keycloakToken, {
      payload: (p) => ({
        ...p,
        iss: world.entra.issuerV2(world.tenantId),
        tid: world.tenantId,
        aud: world.audience.entra,
      }),
    });
    const before = jwksFetches(stage);
    await refusal(
      stage.identity.verifyAccessToken(relabelled, { audience: world.audience }),
      "unknown_key",
      "entra",
    );
    expect(jwksFetches(stage)).toEqual({ entra: before.entra + 1, eu: before.eu });
    // …and an Entra token relabelled with Keycloak's iss is checked with Keycloak's keys only.
    const toKeycloak = reshape(entraToken, {
      payload: (p) => ({ ...p, iss: issuerOf(), aud: "api", typ: "Bearer" }),
    });
    await refusal(
      stage.identity.verifyAccessToken(toKeycloak, { audience: world.audience }),
      "unknown_key",
      "eu",
    );
    expect(jwksFetches(stage).entra).toBe(before.entra + 1);
  });

  it("A2#12b a key whose kid collides with the other provider's real kid does not cross over", async () => {
    const stage = world.stage();
    // The attacker's key, published under Keycloak's kid, signs a token for Entra…
    const underKeycloakKid = await attackerKey("RS256", { kid: kidOf(keycloakToken) });
    const forEntra = forge(underKeycloakKid, claimsOf(entraToken));
    await refusal(
      stage.identity.verifyAccessToken(forEntra, { audience: world.audience }),
      "unknown_key",
      "entra",
    );
    // …and under Entra's kid, a token for Keycloak: each issuer looks only in its own key set.
    const underEntraKid = await attackerKey("RS256", { kid: kidOf(entraToken) });
    const forKeycloak = forge(underEntraKid, claimsOf(keycloakToken));
    await refusal(
      stage.identity.verifyAccessToken(forKeycloak, { audience: world.audience }),
      "unknown_key",
      "eu",
    );
    // The attacker's key under each provider's own kid: the signature fails.
    await refusal(
      stage.identity.verifyAccessToken(forge(underEntraKid, claimsOf(entraToken)), {
        audience: world.audience,
      }),
      "signature",
      "entra",
    );
  });

  it("A2#12c a valid token of another client of the same realm is refused by an API that expects its own audience", async () => {
    const stage = world.stage();
    expect(claimsOf(keycloakToken).azp).toBe("service");
    await refusal(
      stage.identity.verifyAccessToken(keycloakToken, { audience: { ...world.audience, eu: "app" } }),
      "audience",
      "eu",
    );
  });
});

describe("A2#13 cross-realm Keycloak", () => {
  let copyA: LabRealm;
  let copyB: LabRealm;
  beforeAll(async () => {
    // Two realms that share one RSA key: what exporting a realm and importing it as another gives.
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
    copyA = await createLabRealm({ privateKeyPem: pem, prefix: "copy-a" });
    copyB = await createLabRealm({ privateKeyPem: pem, prefix: "copy-b" });
  });
  afterAll(async () => {
    await copyA?.delete();
    await copyB?.delete();
  });

  it("A2#13 a genuine token of another realm on the same Keycloak is refused before any request", async () => {
    const other = keycloak({
      id: "other",
      issuer: issuerOf("other"),
      clientId: "app",
      clientSecret: "app-secret",
    });
    const foreign = (await other.clientCredentials()).accessToken;
    expect(claimsOf(foreign).aud).toEqual(claimsOf(keycloakToken).aud);
    const stage = world.stage();
    await refusal(stage.identity.verifyAccessToken(foreign, { audience: world.audience }), "issuer");
    expectNoRequests(stage);
  });

  it("A2#13 a realm imported from a copy (same signing key, same kid) is stopped by the issuer check alone", async () => {
    const [tokenA, tokenB] = await Promise.all([copyA.token(), copyB.token()]);
    expect(kidOf(tokenB)).toBe(kidOf(tokenA)); // the keys really are shared
    const fetchA = recordingFetch();
    const identity = createIdentity({
      providers: [world.entraProvider(), copyA.provider({ runtime: { fetch: fetchA.fetch } })],
    });
    const audience = { entra: world.audience.entra, eu: "api" };
    await expect(identity.verifyAccessToken(tokenA, { audience })).resolves.toMatchObject({
      provider: "eu",
      tenant: copyA.name,
    });
    const requestsBefore = fetchA.requests.length;
    await refusal(identity.verifyAccessToken(tokenB, { audience }), "issuer");
    expect(fetchA.requests.length).toBe(requestsBefore);
    // Relabelled as realm A, B's token breaks its own signature: the copy cannot mint A's tokens.
    const relabelled = reshape(tokenB, { payload: (p) => ({ ...p, iss: copyA.issuer }) });
    await refusal(identity.verifyAccessToken(relabelled, { audience }), "signature", "eu");
  });
});

describe("A2#20 SSRF via issuer URLs", () => {
  let recorder: Recorder;
  beforeAll(async () => {
    recorder = await startRecorder(() => ({ issuer: "x", jwks_uri: "x" }));
  });
  afterAll(() => recorder.close());

  it("A2#20 a token whose iss is a metadata, internal or attacker URL causes no outbound request at all", async () => {
    const stage = world.stage();
    const key = await attackerKey("RS256");
    const issuers = [
      "http://169.254.169.254/",
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
      "http://metadata.google.internal/computeMetadata/v1/",
      "http://127.0.0.1:18180/realms/master",
      "http://localhost:6379/",
      "file:///etc/passwd",
      recorder.url,
      `${recorder.url}/realms/idswitch`,
      `${world.entra.url}/${world.attackerTenantId}/v2.0`,
    ];
    for (const iss of issuers) {
      await refusal(
        stage.identity.verifyAccessToken(forge(key, { ...claimsOf(keycloakToken), iss }), {
          audience: world.audience,
        }),
        "issuer",
      );
    }
    expect(recorder.requests).toEqual([]);
    expectNoRequests(stage);
  });

  it("A2#20 issuer URLs with credentials, query, fragment, or plain http to a non-loopback host are refused at configuration", () => {
    for (const issuer of [
      "https://user:pw@auth.example.eu/realms/acme",
      "https://auth.example.eu/realms/acme?x=1",
      "https://auth.example.eu/realms/acme#frag",
      "http://10.0.0.1/realms/acme",
      "http://169.254.169.254/realms/acme",
      "file:///realms/acme",
    ]) {
      expect(() => keycloak({ id: "eu", issuer, clientId: "app" }), issuer).toThrow(
        expect.objectContaining({ code: "config_invalid" }),
      );
    }
  });
});
