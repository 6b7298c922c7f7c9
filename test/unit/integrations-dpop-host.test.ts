/**
 * The URL a DPoP proof is checked against, in the real Express and Fastify
 * servers: the `Host` header is the client's to write, and Node takes `/`,
 * `?` and `#` in it. A proof captured for `GET /api/orders/42` (unspent)
 * sent to `/api/admin` with `Host: <host>/api/orders/42?` must not pass —
 * with or without `origin` (the re-review found both did: the host part
 * moved the real path into the query, which the check ignores).
 */
import { once } from "node:events";
import { request as httpRequest } from "node:http";
import type { AddressInfo } from "node:net";
import express from "express";
import Fastify from "fastify";
import * as jose from "jose";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { createIdentity, type Identity, oidc } from "../../src/index.js";
import { bearerAuth as expressBearer } from "../../src/integrations/express/index.js";
import { bearerAuth as fastifyBearer } from "../../src/integrations/fastify/index.js";
import { createDpopProof } from "../../src/tokens/dpop.js";
import { createFakeIssuer, type FakeIssuer } from "../support/fake-issuer.js";

let idp: FakeIssuer;
let identity: Identity;
let pair: CryptoKeyPair;
let token: string;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()?.();
});

beforeAll(async () => {
  idp = await createFakeIssuer();
  identity = createIdentity({
    providers: [oidc({ id: "op", issuer: idp.issuer, clientId: "api", runtime: { fetch: idp.fetch } })],
  });
  pair = (await jose.generateKeyPair("ES256")) as CryptoKeyPair;
  const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(pair.publicKey));
  const now = Math.floor(Date.now() / 1000);
  token = await idp.sign({ sub: "u-1", aud: "api", iat: now, exp: now + 300, cnf: { jkt } });
});

/** GET `path` on the server with a Host header of our choosing (fetch would not send such a Host). */
function get(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: "127.0.0.1", port, path, method: "GET", headers }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", reject);
    req.end();
  });
}

type Start = (origin: string | undefined) => Promise<number>;

const startExpress: Start = async (origin) => {
  const app = express();
  app.use("/api", expressBearer({ identity, audience: "api", ...(origin ? { origin } : {}) }));
  app.get("/api/orders/42", (_req, res) => res.json({ route: "orders" }));
  app.get("/api/admin", (_req, res) => res.json({ route: "admin" }));
  const server = app.listen(0, "127.0.0.1");
  await once(server, "listening");
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
};

const startFastify: Start = async (origin) => {
  const app = Fastify();
  const guard = fastifyBearer({ identity, audience: "api", ...(origin ? { origin } : {}) });
  app.get("/api/orders/42", { preHandler: guard }, async () => ({ route: "orders" }));
  app.get("/api/admin", { preHandler: guard }, async () => ({ route: "admin" }));
  await app.listen({ port: 0, host: "127.0.0.1" });
  closers.push(() => app.close());
  return (app.server.address() as AddressInfo).port;
};

for (const [framework, start] of [
  ["Express", startExpress],
  ["Fastify", startFastify],
] as const) {
  describe(`${framework}: a proof for one route, replayed to another through the Host header`, () => {
    it("is refused with origin set; the route it was made for takes it", async () => {
      const port = await start("https://api.example.eu");
      const forOrders = () =>
        createDpopProof(pair, {
          method: "GET",
          url: "https://api.example.eu/api/orders/42",
          accessToken: token,
        });
      for (const host of ["x/api/orders/42?", "x/api/orders/42#", "api.example.eu/api/orders/42?"]) {
        const status = await get(port, "/api/admin", {
          host,
          authorization: `DPoP ${token}`,
          dpop: await forOrders(),
        });
        expect(status, `Host: ${host}`).toBe(401);
      }
      expect(
        await get(port, "/api/orders/42", {
          host: "anything.example",
          authorization: `DPoP ${token}`,
          dpop: await forOrders(),
        }),
      ).toBe(200);
    });

    it("is refused without origin too: a Host that is not a host matches no proof", async () => {
      const port = await start(undefined);
      const host = "api.example.eu/api/orders/42?";
      const proof = await createDpopProof(pair, {
        method: "GET",
        url: "http://api.example.eu/api/orders/42",
        accessToken: token,
      });
      expect(await get(port, "/api/admin", { host, authorization: `DPoP ${token}`, dpop: proof })).toBe(401);
      const honest = await createDpopProof(pair, {
        method: "GET",
        url: "http://api.example.eu/api/orders/42",
        accessToken: token,
      });
      expect(
        await get(port, "/api/orders/42", {
          host: "api.example.eu",
          authorization: `DPoP ${token}`,
          dpop: honest,
        }),
      ).toBe(200);
    });
  });
}
