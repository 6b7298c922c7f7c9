// @ts-check
/**
 * An API that accepts access tokens from both issuers — Entra ID and the EU
 * Keycloak — each verified only by its own issuer's keys:
 *
 *   npm run example:fastify        (builds, then runs this file on http://localhost:3001)
 *
 * With no configuration both issuers are emulated (two Entra emulator
 * tenants) and the example prints a token of each to try with curl. Set
 * ENTRA_TENANT_ID, ENTRA_AUDIENCE, KEYCLOAK_ISSUER and KEYCLOAK_AUDIENCE for real ones.
 */
import Fastify from "fastify";
import { createIdentity, entraId, oidc } from "idswitch";
import { bearerAuth } from "idswitch/fastify";
import { issuers } from "./issuers.mjs";

const port = Number(process.env.PORT ?? 3001);
const { providers, audience, sampleTokens, close } = await issuers(process.env, { entraId, oidc });
const identity = createIdentity({ providers, tokenCache: { maxEntries: 10_000 } });

const app = Fastify();
const readers = bearerAuth({ identity, audience });
const writers = bearerAuth({ identity, audience, requiredScopes: ["orders.write"] });

app.get("/orders", { preHandler: readers }, async (request) => ({
  orders: [],
  caller: { provider: request.idswitch?.principal?.provider, subject: request.idswitch?.principal?.subject },
}));
app.post("/orders", { preHandler: writers }, async (_request, reply) =>
  reply.code(201).send({ created: true }),
);

await app.listen({ port, host: "127.0.0.1" });
console.log(`fastify-api on http://localhost:${port}`);
for (const [provider, token] of Object.entries(await sampleTokens())) {
  console.log(
    `\n# a token from ${provider}:\ncurl -H "Authorization: Bearer ${token}" http://localhost:${port}/orders`,
  );
}
const stop = async () => {
  await app.close();
  await identity.close();
  await close();
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
