// Certificate client assertions at the token endpoint (docs/reference/entra-id.md §9.2): both header generations,
// `azpacr` "2", and each refusal with its AADSTS code.
import { randomUUID } from "node:crypto";
import { importPKCS8, type JWTPayload, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ClientCertificate,
  createClientCertificate,
  type EntraApp,
} from "../../../src/testing/index.js";
import { claimsOf, expectEntraError, postForm, startWorld, tokenUrl, type World } from "./world.js";

const JWT_BEARER = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
let world: World;
let cert: ClientCertificate;
let stranger: ClientCertificate;
let daemon: EntraApp;

beforeAll(async () => {
  world = await startWorld();
  [cert, stranger] = await Promise.all([createClientCertificate(), createClientCertificate()]);
  daemon = world.entra.addApp({
    tenantId: world.tenant.id,
    displayName: "cert-daemon",
    certificates: [cert.certificate],
  });
  world.entra.grantAppRoles(daemon.clientId, world.apiV2.clientId, ["Orders.Read"]);
});
afterAll(() => world.entra.close());

interface AssertionOptions {
  alg?: "PS256" | "RS256";
  key?: string;
  header?: Record<string, string>;
  claims?: JWTPayload;
}

async function assertion(options: AssertionOptions = {}): Promise<string> {
  const alg = options.alg ?? "PS256";
  const header =
    options.header ??
    (alg === "PS256" ? { "x5t#S256": cert.thumbprints.sha256 } : { x5t: cert.thumbprints.sha1 });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    aud: tokenUrl(world),
    iss: daemon.clientId,
    sub: daemon.clientId,
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 600,
    ...options.claims,
  })
    .setProtectedHeader({ alg, typ: "JWT", ...header })
    .sign(await importPKCS8(options.key ?? cert.privateKey, alg));
}

function credentials(clientAssertion: string) {
  return postForm(tokenUrl(world), {
    grant_type: "client_credentials",
    client_id: daemon.clientId,
    client_assertion_type: JWT_BEARER,
    client_assertion: clientAssertion,
    scope: `${world.apiV2.identifierUri}/.default`,
  });
}

describe("accepted assertions", () => {
  it("PS256 with x5t#S256 (current guidance): azpacr is 2", async () => {
    const result = await credentials(await assertion());
    expect(result.status, result.text).toBe(200);
    expect(claimsOf(result.json.access_token).claims).toMatchObject({ azp: daemon.clientId, azpacr: "2" });
  });

  it("RS256 with x5t (the older header, still widely sent)", async () => {
    const result = await credentials(await assertion({ alg: "RS256" }));
    expect(result.status, result.text).toBe(200);
  });

  it("a certificate given as base64 DER registers the same key", async () => {
    const app = world.entra.addApp({ tenantId: world.tenant.id, certificates: [cert.x5c] });
    const result = await postForm(tokenUrl(world), {
      grant_type: "client_credentials",
      client_id: app.clientId,
      client_assertion_type: JWT_BEARER,
      client_assertion: await assertion({ claims: { iss: app.clientId, sub: app.clientId } }),
      scope: `${world.apiV2.identifierUri}/.default`,
    });
    expect(result.status, result.text).toBe(200);
  });
});

describe("refused assertions", () => {
  it("a thumbprint that is not registered: 700027, naming the thumbprint", async () => {
    const body = expectEntraError(
      expect,
      await credentials(
        await assertion({ key: stranger.privateKey, header: { "x5t#S256": stranger.thumbprints.sha256 } }),
      ),
      401,
      "invalid_client",
      700027,
    );
    const hex = Buffer.from(stranger.thumbprints.sha256, "base64url").toString("hex").toUpperCase();
    expect(body.error_description).toContain(`Thumbprint of key used by client: '${hex}'`);
  });

  it("the registered thumbprint with another key's signature: 700027 signature validation", async () => {
    const body = expectEntraError(
      expect,
      await credentials(await assertion({ key: stranger.privateKey })),
      401,
      "invalid_client",
      700027,
    );
    expect(body.error_description).toMatch(/^AADSTS700027: Client assertion failed signature validation\./);
  });

  it("an expired assertion: 500133", async () => {
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await assertion({ claims: { iat: past - 600, nbf: past - 600, exp: past } });
    expectEntraError(expect, await credentials(expired), 401, "invalid_client", 500133);
  });

  it("an audience other than the token endpoint: 50012", async () => {
    const wrong = await assertion({ claims: { aud: "https://login.example.test/other/oauth2/v2.0/token" } });
    expectEntraError(expect, await credentials(wrong), 401, "invalid_client", 50012);
  });

  it("a replayed jti, and iss/sub other than the client: 50013", async () => {
    const once = await assertion();
    expect((await credentials(once)).status).toBe(200);
    expectEntraError(expect, await credentials(once), 401, "invalid_client", 50013);
    const foreign = await assertion({ claims: { iss: world.web.clientId } });
    expectEntraError(expect, await credentials(foreign), 401, "invalid_client", 50013);
  });

  it("an unsigned (alg none) assertion: 50013", async () => {
    const header = Buffer.from(JSON.stringify({ alg: "none", "x5t#S256": cert.thumbprints.sha256 })).toString(
      "base64url",
    );
    const unsigned = `${header}.${Buffer.from("{}").toString("base64url")}.`;
    expectEntraError(expect, await credentials(unsigned), 401, "invalid_client", 50013);
  });
});
