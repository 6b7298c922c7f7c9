/**
 * What DPoP (RFC 9449) costs a resource server per request: verifying an
 * access token alone vs verifying a DPoP-bound token and its proof, in the
 * same run, on the same issuer, key type and claims (the bound tokens only
 * add `cnf.jkt`).
 *
 * - Issuer: a Keycloak-shaped one on loopback (RS256 access tokens, discovery
 *   and JWKS over node:http), fetched once before anything is timed; the
 *   provider is `oidc()`, the facade `createIdentity` without `tokenCache`,
 *   so every verification is a full one (N distinct tokens, round-robin).
 * - DPoP: one client key (ES256, the common choice); each request gets its
 *   own fresh proof (a proof is good once), made before its slice and never
 *   timed. "With DPoP" = `identity.verifyAccessToken(token, { audience,
 *   dpop })`: the token, then `checkDpopBinding` (typ/alg/jwk checks, the
 *   ES256 signature, htm/htu/ath/iat, the thumbprint, the jti recorded in the
 *   identity's StateStore, in memory here). A third arm passes the `dpop`
 *   option with a bearer token (what `bearerAuth` does under "allowed").
 * - Noise: the two arms alternate in short slices (sequential, then at
 *   concurrency 16), their order swapped every round; the ratio is the
 *   median of the per-round ratios. CPU µs/op (all threads) beside each rate.
 *
 * Runs on the sources: src/ is bundled with esbuild (jose, openid-client and
 * zod stay external), so it needs no build, measures the working tree, and
 * does not wait for the root to export the DPoP functions. `node bench/dpop.mjs` (BENCH_SCALE=0.2 for a smoke run).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import os from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";
import * as jose from "jose";
import { median, SCALE } from "./lib/measure.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));
const N = 1000;
const ROUNDS = 7;
const SLICE_OPS = Math.max(200, Math.round(2000 * SCALE));
const CONCURRENCY = [1, 16];
const AUDIENCE = "api";

/**
 * src/ as one ES module: the public API and the DPoP functions. Written under
 * node_modules/.cache (ignored by git and biome), where the externals resolve
 * from this package as they would from dist/.
 */
async function loadSources() {
  mkdirSync(join(root, "node_modules/.cache"), { recursive: true });
  const dir = mkdtempSync(join(root, "node_modules/.cache/idswitch-bench-dpop-"));
  const entry = join(dir, "entry.ts");
  writeFileSync(
    entry,
    [
      `export * from ${JSON.stringify(join(root, "src/index.ts"))};`,
      `export { checkDpopBinding, createDpopProof } from ${JSON.stringify(join(root, "src/tokens/dpop.ts"))};`,
    ].join("\n"),
  );
  const outfile = join(dir, "idswitch.mjs");
  try {
    await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "neutral",
      target: "es2022",
      outfile,
      external: ["jose", "openid-client", "zod", "zod/*"],
      logLevel: "error",
    });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A Keycloak-shaped issuer: discovery, JWKS, and tokens signed here (RS256). */
async function startIssuer() {
  const { publicKey, privateKey } = await jose.generateKeyPair("RS256", { extractable: true });
  const kid = await jose.calculateJwkThumbprint(await jose.exportJWK(publicKey));
  const jwks = { keys: [{ ...(await jose.exportJWK(publicKey)), kid, alg: "RS256", use: "sig" }] };
  let issuer = "";
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? "/", "http://x").pathname;
    const body =
      path === "/realms/bench/.well-known/openid-configuration"
        ? {
            issuer,
            authorization_endpoint: `${issuer}/protocol/openid-connect/auth`,
            token_endpoint: `${issuer}/protocol/openid-connect/token`,
            jwks_uri: `${issuer}/protocol/openid-connect/certs`,
            response_types_supported: ["code"],
            subject_types_supported: ["public"],
            id_token_signing_alg_values_supported: ["RS256"],
          }
        : path === "/realms/bench/protocol/openid-connect/certs"
          ? jwks
          : undefined;
    response.writeHead(body ? 200 : 404, { "content-type": "application/json" });
    response.end(JSON.stringify(body ?? { error: "not_found" }));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  issuer = `http://127.0.0.1:${server.address().port}/realms/bench`;
  /** A Keycloak 26 service-account access token, claim for claim; `cnf` when bound. */
  const sign = (cnf) => {
    const now = Math.floor(Date.now() / 1000);
    return new jose.SignJWT({
      exp: now + 600,
      iat: now,
      jti: `onrtcc:${crypto.randomUUID()}`,
      iss: issuer,
      aud: [AUDIENCE, "account"],
      sub: crypto.randomUUID(),
      typ: "Bearer",
      azp: "service",
      acr: "1",
      "allowed-origins": ["/*"],
      realm_access: { roles: ["offline_access", "uma_authorization", "default-roles-bench"] },
      resource_access: { account: { roles: ["manage-account", "view-profile"] } },
      scope: "profile email",
      clientHost: "127.0.0.1",
      email_verified: false,
      preferred_username: "service-account-service",
      clientAddress: "127.0.0.1",
      client_id: "service",
      ...(cnf ? { cnf } : {}),
    })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .sign(privateKey);
  };
  return { issuer, sign, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** Runs `fn` over `inputs[0..ops)` at `concurrency`; ops/s and CPU µs per op. */
async function slice(fn, inputs, concurrency) {
  let next = 0;
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  const loop = async () => {
    while (next < inputs.length) {
      const i = next++;
      await fn(inputs[i], i);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, loop));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  return { opsPerSec: inputs.length / seconds, cpuMicrosPerOp: (cpu.user + cpu.system) / inputs.length };
}

async function main() {
  const idswitch = await loadSources();
  const { createIdentity, oidc, createDpopProof } = idswitch;
  const idp = await startIssuer();
  const identity = createIdentity({
    providers: [oidc({ id: "eu", issuer: idp.issuer, clientId: "service" })],
  });
  const client = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, [
    "sign",
    "verify",
  ]);
  const jkt = await jose.calculateJwkThumbprint(await jose.exportJWK(client.publicKey));
  const plain = await Promise.all(Array.from({ length: N }, () => idp.sign(undefined)));
  const bound = await Promise.all(Array.from({ length: N }, () => idp.sign({ jkt, "kc-jkt-type": "DPoP" })));
  const url = "https://api.example/orders";
  const request = (proof) => ({ proof, method: "GET", url, scheme: "DPoP", policy: "allowed" });
  /** One fresh proof per request of a slice, for bound token i mod N. */
  const proofsFor = (count, offset) =>
    Promise.all(
      Array.from({ length: count }, (_, i) => {
        const token = bound[(offset + i) % N];
        return createDpopProof(client, { method: "GET", url, accessToken: token }).then((proof) => ({
          token,
          proof,
        }));
      }),
    );

  const withoutDpop = (i) => identity.verifyAccessToken(plain[i % N], { audience: AUDIENCE });
  // What `bearerAuth` passes for a bearer token under the default policy ("allowed").
  const bearerAllowed = (i) =>
    identity.verifyAccessToken(plain[i % N], {
      audience: AUDIENCE,
      dpop: { proof: undefined, method: "GET", url, scheme: "Bearer", policy: "allowed" },
    });
  const withDpop = ({ token, proof }) =>
    identity.verifyAccessToken(token, { audience: AUDIENCE, dpop: request(proof) });
  const refused = (promise) =>
    promise.then(
      () => false,
      (error) => error?.reason === "dpop_proof" || error?.reason === "dpop_binding",
    );

  // Before anything is timed: every arm accepts its tokens and refuses what it must.
  for (let i = 0; i < N; i++) await withoutDpop(i);
  for (let i = 0; i < N; i++) await bearerAllowed(i);
  for (const pair of await proofsFor(N, 0)) await withDpop(pair);
  const [once, other] = await proofsFor(2, 0);
  await withDpop(once);
  if (!(await refused(withDpop(once)))) throw new Error("a replayed proof passed");
  if (!(await refused(withDpop({ token: bound[0], proof: other.proof }))))
    throw new Error("a proof for another token passed");
  if (!(await refused(identity.verifyAccessToken(bound[0], { audience: AUDIENCE }))))
    throw new Error("a bound token passed without its proof");

  // A floor, not a peer: jose's ES256 proof verification alone, with the key imported once.
  const clientKey = await jose.importJWK(await jose.exportJWK(client.publicKey), "ES256");
  const proofSignature = ({ proof }) => jose.jwtVerify(proof, clientKey, { typ: "dpop+jwt" });

  const arms = [
    {
      key: "plain",
      label: "bearer token, no `dpop` option",
      run: (_, i) => withoutDpop(i),
      inputs: async () => Array.from({ length: SLICE_OPS }),
    },
    {
      key: "allowed",
      label: "bearer token, `dpop` (Bearer, allowed)",
      run: (_, i) => bearerAllowed(i),
      inputs: async () => Array.from({ length: SLICE_OPS }),
    },
    {
      key: "dpop",
      label: "DPoP-bound token + proof, `dpop` (DPoP)",
      run: withDpop,
      inputs: (offset) => proofsFor(SLICE_OPS, offset),
    },
    {
      key: "floor",
      label: "floor: `jose.jwtVerify` of the ES256 proof alone (key imported once)",
      run: proofSignature,
      inputs: (offset) => proofsFor(SLICE_OPS, offset),
    },
  ];
  const results = {};
  for (const concurrency of CONCURRENCY) {
    const rows = Object.fromEntries(arms.map((arm) => [arm.key, []]));
    for (let round = 0; round < ROUNDS; round++) {
      const order = round % 2 === 0 ? arms : [...arms].reverse();
      for (const arm of order) {
        const inputs = await arm.inputs(round * SLICE_OPS);
        rows[arm.key].push(await slice(arm.run, inputs, concurrency));
      }
    }
    results[concurrency] = rows;
  }
  await idp.close();

  console.log(`# DPoP cost per request — ${new Date().toISOString()}`);
  console.log(
    `machine: ${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} cores, Node ${process.version}, load ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  console.log(
    `N = ${N} distinct tokens per arm; ${ROUNDS} rounds × ${SLICE_OPS} requests per arm and concurrency`,
  );
  console.log("");
  console.log(
    "| concurrency | arm | ops/s (median) | CPU µs/op (median) | ratio to no DPoP (median of rounds) |",
  );
  console.log("| --- | --- | ---: | ---: | ---: |");
  for (const concurrency of CONCURRENCY) {
    const rows = results[concurrency];
    for (const arm of arms) {
      const ratio = median(rows[arm.key].map((r, i) => r.opsPerSec / rows.plain[i].opsPerSec));
      const cells = [
        concurrency,
        arm.label,
        Math.round(median(rows[arm.key].map((r) => r.opsPerSec))).toLocaleString("en"),
        median(rows[arm.key].map((r) => r.cpuMicrosPerOp)).toFixed(0),
        `${ratio.toFixed(2)}×`,
      ];
      console.log(`| ${cells.join(" | ")} |`);
    }
  }
}

await main();
