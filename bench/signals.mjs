/**
 * Revocation signals: what the session index costs and how fast a signal bites.
 *
 * 1. The per-request check. An Express app on 127.0.0.1 serves GET /me behind
 *    `requireAuth()` (sealed cookie session, the identity's StateStore on the
 *    machine's Redis): as shipped — one `isRevoked` read of Redis per request —
 *    and its peer in the same run, the same app whose identity answers
 *    `isRevoked` without asking (what the integrations did before the index).
 *    Throughput, sequential and at concurrency 16; the ratio is the cost.
 * 2. 1,000 back-channel logouts for 1,000 sessions across two instances
 *    sharing Redis: sessions signed in on instance A, each logout token
 *    received by A (`backChannelLogout`), and instance B asked `isRevoked`
 *    until it says so. Latency from the token's arrival to B's refusal,
 *    p50/p99; then every one of the 1,000 is revoked and none of 1,000
 *    other sessions is.
 *
 * The provider is an in-process OIDC issuer (jose keys, an injected fetch):
 * no network but Redis and the app's own socket, so the figures are the
 * index's and the integration's. Run: `npm run build && node bench/signals.mjs`.
 */
import { randomUUID } from "node:crypto";
import express from "express";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { createIdentity, oidc } from "../dist/index.js";
import { idswitch } from "../dist/integrations/express/index.js";
import { redisStateStore } from "../dist/stores/redis.js";
import { fmt, mapLimit, msSince, quantile, ratio, throughput } from "./lib/measure.mjs";

const REDIS_URL = "redis://127.0.0.1:6379";
const ISSUER = "https://idp.bench.test/realms/bench";
const REDIRECT = "http://127.0.0.1/auth/callback/idp";
const SECRET = "signals-bench-secret-0123456789abcdef";
const SESSIONS = 1_000;
const CHECK = { durationMs: 5_000, warmupMs: 1_000 };

/** An OIDC issuer served through an injected fetch: discovery, keys, and a token endpoint that signs what it is told. */
async function issuer() {
  const { privateKey, publicKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "k1", alg: "RS256", use: "sig" };
  const sign = (payload, typ = "JWT") =>
    new SignJWT({ iss: ISSUER, ...payload })
      .setProtectedHeader({ alg: "RS256", kid: "k1", typ })
      .sign(privateKey);
  let nextIdToken;
  const documents = {
    [`${ISSUER}/.well-known/openid-configuration`]: {
      issuer: ISSUER,
      authorization_endpoint: `${ISSUER}/auth`,
      token_endpoint: `${ISSUER}/token`,
      jwks_uri: `${ISSUER}/certs`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      id_token_signing_alg_values_supported: ["RS256"],
    },
    [`${ISSUER}/certs`]: { keys: [jwk] },
  };
  const fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === `${ISSUER}/token` && init?.method === "POST") {
      const form = new URLSearchParams(String(init.body));
      const idToken = await nextIdToken(form.get("code"));
      return Response.json({
        access_token: "opaque",
        token_type: "Bearer",
        expires_in: 3600,
        id_token: idToken,
      });
    }
    const body = documents[url];
    return body ? Response.json(body) : new Response("not found", { status: 404 });
  };
  return {
    fetch,
    sign,
    /** The ID token of each code: `code` is `<sub>.<sid>`, the nonce the one of its login state. */
    answer(nonces) {
      nextIdToken = (code) => {
        const [sub, sid] = code.split(".");
        const now = Math.floor(Date.now() / 1000);
        return sign({ sub, sid, aud: "app", iat: now, exp: now + 3600, nonce: nonces.get(code) });
      };
    },
  };
}

function instance(idp, prefix, routing = {}) {
  const state = redisStateStore({ url: REDIS_URL, prefix });
  const provider = oidc({
    id: "idp",
    issuer: ISSUER,
    clientId: "app",
    clientSecret: "s",
    redirectUri: REDIRECT,
    runtime: { fetch: idp.fetch },
  });
  // As the organisation's authority it must answer for an account (Keycloak asks its admin API);
  // here it says "active" at once, so the figures are idswitch's own per-request cost.
  if (routing.authority)
    provider.accountStatus = async (subject) => ({ provider: "idp", subject, status: "active" });
  const identity = createIdentity({
    providers: [provider],
    state,
    // The in-process issuer answers sign-ins only: no background probes of its token endpoint.
    routing: { health: false, ...routing },
    telemetry: false,
  });
  return { identity, state };
}

async function signIn(identity, nonces, sub, sid) {
  const { state } = await identity.beginLogin();
  const code = `${sub}.${sid}`;
  nonces.set(code, state.nonce);
  return identity.completeLogin(`${REDIRECT}?code=${encodeURIComponent(code)}&state=${state.state}`, state);
}

/**
 * 1: the per-request check, with its peer (no check) in the same run; and
 * with `routing.authority` (`withAuthority`): then `isRevoked` also reads
 * the cached standing of the person — the authority itself is asked once
 * per `authorityCacheSeconds` (60 s) per person, not within a run's window.
 */
async function perRequest(idp, identity, withAuthority) {
  const unchecked = new Proxy(identity, {
    get: (target, name) =>
      name === "isRevoked"
        ? async () => false
        : (Reflect.get(target, name, target).bind?.(target) ?? Reflect.get(target, name)),
  });
  const rows = [];
  const servers = [];
  const apps = {};
  for (const [name, which] of [
    ["checked", identity],
    ["unchecked", unchecked],
    ["authority", withAuthority],
  ]) {
    const auth = idswitch({
      identity: which,
      secret: SECRET,
      chooserPath: "/choose",
      cookie: { secure: false },
    });
    const app = express();
    app.use(auth.routes());
    app.get("/me", auth.requireAuth(), (req, res) => res.json({ u: req.idswitch?.session?.appUserId }));
    const server = await new Promise((resolve) => {
      const s = app.listen(0, "127.0.0.1", () => resolve(s));
    });
    servers.push(server);
    apps[name] = `http://127.0.0.1:${server.address().port}`;
  }
  // Cookies each app wrote itself: a sign-in through its own callback (the peer shares the checked one's identity).
  const cookies = {
    checked: await cookieFor(apps.checked, idp),
    authority: await cookieFor(apps.authority, idp),
  };
  cookies.unchecked = cookies.checked;
  const get = (name) => async () => {
    const response = await fetch(`${apps[name]}/me`, {
      headers: { cookie: cookies[name], accept: "application/json" },
    });
    if (response.status !== 200) throw new Error(`GET /me answered ${response.status}`);
    await response.arrayBuffer();
  };
  for (const concurrency of [1, 16]) {
    const result = {};
    // Interleaved, twice each: drift of the machine falls on both.
    for (let round = 0; round < 2; round++) {
      for (const name of ["unchecked", "checked", "authority"]) {
        await throughput(get(name), [0], { durationMs: CHECK.warmupMs, concurrency });
        const { opsPerSec } = await throughput(get(name), [0], {
          durationMs: CHECK.durationMs,
          concurrency,
        });
        result[name] = Math.max(result[name] ?? 0, opsPerSec);
      }
    }
    rows.push({ concurrency, ...result });
  }
  for (const server of servers) await new Promise((resolve) => server.close(resolve));
  return rows;
}

/** A session cookie, as the web integration sets it at the callback of a sign-in. */
async function cookieFor(origin, idp) {
  const login = await fetch(`${origin}/auth/login`, { redirect: "manual", headers: { accept: "text/html" } });
  const loginCookie = login.headers.getSetCookie()[0].split(";")[0];
  const url = new URL(login.headers.get("location"));
  const state = url.searchParams.get("state");
  const code = `bench-${randomUUID()}.sid-${randomUUID()}`;
  // The issuer signs the nonce the authorization request carried.
  const nonces = new Map([[code, url.searchParams.get("nonce")]]);
  idp.answer(nonces);
  const callback = await fetch(
    `${origin}/auth/callback/idp?code=${encodeURIComponent(code)}&state=${state}`,
    {
      redirect: "manual",
      headers: { cookie: loginCookie, accept: "text/html" },
    },
  );
  if (callback.status !== 302) throw new Error(`callback answered ${callback.status}`);
  return callback.headers
    .getSetCookie()
    .map((c) => c.split(";")[0])
    .filter((c) => !/-login=/.test(c) && !c.endsWith("="))
    .join("; ");
}

/** 2: 1,000 logouts on A, each refusal observed on B. */
async function logouts(idp, a, b) {
  const nonces = new Map();
  idp.answer(nonces);
  const ada = await mapLimit([...Array(SESSIONS).keys()], 16, (i) =>
    signIn(a, nonces, `p-${i}`, `sid-${i}-${randomUUID()}`),
  );
  const others = await mapLimit([...Array(SESSIONS).keys()], 16, (i) =>
    signIn(a, nonces, `q-${i}`, `sid-q-${i}-${randomUUID()}`),
  );
  const tokens = await Promise.all(
    ada.map((s) => {
      const now = Math.floor(Date.now() / 1000);
      return idp.sign(
        {
          aud: "app",
          iat: now,
          exp: now + 120,
          jti: randomUUID(),
          sub: s.principal.subject,
          sid: s.principal.claims.sid,
          events: { "http://schemas.openid.net/event/backchannel-logout": {} },
        },
        "logout+jwt",
      );
    }),
  );
  const latencies = [];
  let polls = 0;
  const started = process.hrtime.bigint();
  await mapLimit([...Array(SESSIONS).keys()], 16, async (i) => {
    const t0 = process.hrtime.bigint();
    const { ended } = await a.backChannelLogout(tokens[i]);
    if (ended !== 1) throw new Error(`logout ${i} ended ${ended}`);
    while (!(await b.isRevoked(ada[i]))) polls++;
    latencies.push(msSince(t0));
  });
  const wallMs = msSince(started);
  const revoked = (await mapLimit(ada, 32, (s) => b.isRevoked(s))).filter(Boolean).length;
  const touched = (await mapLimit(others, 32, (s) => b.isRevoked(s))).filter(Boolean).length;
  return { latencies, polls, wallMs, revoked, touched };
}

async function main() {
  const idp = await issuer();
  const prefix = `signals-bench-${randomUUID().slice(0, 8)}:`;
  const a = instance(idp, prefix);
  const b = instance(idp, prefix);
  // The provider as the organisation's authority: the cached standing is read beside the index.
  const c = instance(idp, prefix, { authority: ["idp"] });
  try {
    const check = await perRequest(idp, a.identity, c.identity);
    const signal = await logouts(idp, a.identity, b.identity);
    const lines = [
      "| GET /me (Express, sealed cookie, Redis) | no check (peer) | isRevoked per request | ratio | isRevoked with routing.authority | ratio |",
      "|---|---|---|---|---|---|",
      ...check.map(
        (r) =>
          `| concurrency ${r.concurrency} | ${fmt(r.unchecked)} req/s | ${fmt(r.checked)} req/s | ${ratio(r.checked, r.unchecked)} | ${fmt(r.authority)} req/s | ${ratio(r.authority, r.unchecked)} |`,
      ),
      "",
      `| ${SESSIONS} back-channel logouts on A, refusal seen on B (concurrency 16) | p50 | p99 | max | all ended | others touched | extra reads on B |`,
      "|---|---|---|---|---|---|---|",
      `| from the token's arrival to B's refusal | ${fmt(quantile(signal.latencies, 0.5), 2)} ms | ${fmt(quantile(signal.latencies, 0.99), 2)} ms | ${fmt(Math.max(...signal.latencies), 2)} ms | ${signal.revoked}/${SESSIONS} | ${signal.touched}/${SESSIONS} | ${signal.polls} |`,
      "",
      `(${SESSIONS} logouts took ${fmt(signal.wallMs)} ms in all: ${fmt((SESSIONS / signal.wallMs) * 1000)} per second.)`,
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
  } finally {
    await Promise.all([a.identity.close(), b.identity.close(), c.identity.close()]);
    await Promise.all([a.state.close(), b.state.close(), c.state.close()]);
  }
}

await main();
