// Runs test/runtimes/smoke.mjs — clientCredentials, verifyAccessToken (discovery,
// keys, a real token), a tampered token refused, and a beginLogin/completeLogin
// round trip — inside Node (the control), Bun, Deno and workerd, each importing
// the *packed* package installed in a consumer folder. This process (Node)
// serves the Keycloak-lite emulator from that same package on 127.0.0.1 and
// plays the person's browser on its login page.
//
//   node scripts/runtimes/smoke.mjs <consumer-dir> [node|bun|deno|workerd ...]
//
// <consumer-dir> has node_modules/idswitch (scripts/test-dist.mjs makes one).
// Runtimes come from scripts/runtimes/runtimes.mjs (fetched into the cache).
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ensureRuntime, RUNTIMES } from "./runtimes.mjs";

const REALM = "smoke";
const REDIRECT = "http://127.0.0.1:1/callback"; // never opened: the browser stops at it
/** workerd's compatibility date: pinned, so the proof does not move with the binary. */
const COMPATIBILITY_DATE = "2026-11-01";
const TIMEOUT_MS = 60_000;

const [consumerArg, ...wanted] = process.argv.slice(2);
if (!consumerArg) {
  console.error("usage: smoke.mjs <consumer-dir> [node|bun|deno|workerd ...]");
  process.exit(2);
}
const consumer = resolve(consumerArg);
const runtimes = wanted.length > 0 ? wanted : ["node", "bun", "deno", "workerd"];
const here = join(consumer, "runtime-smoke");
mkdirSync(here, { recursive: true });
// Copied next to the consumer's node_modules: "idswitch" must resolve to the packed package.
for (const file of ["smoke.mjs", "cli.mjs", "worker.mjs"]) {
  copyFileSync(new URL(`../../test/runtimes/${file}`, import.meta.url), join(here, file));
}

const fromPackage = createRequire(join(consumer, "package.json"));
const { createKeycloakEmulator, signInWithPassword } = await import(
  pathToFileURL(fromPackage.resolve("idswitch/testing")).href
);
const kc = await createKeycloakEmulator();
kc.addRealm({ name: REALM });
kc.addClient({
  realm: REALM,
  clientId: "smoke",
  secret: "smoke-secret",
  redirectUris: [REDIRECT],
  serviceAccount: true,
  audience: ["smoke-api"],
});
const ada = kc.addUser({
  realm: REALM,
  username: "ada",
  password: "ada-password",
  email: "ada@example.test",
  emailVerified: true,
  firstName: "Ada",
  lastName: "Lovelace",
});

// The person's browser: given the authorization URL, signs in on the login page
// and answers with the callback URL the page redirected to.
const browser = createServer(async (req, res) => {
  let body = "";
  for await (const chunk of req) body += chunk;
  const result = await signInWithPassword(
    JSON.parse(body).url,
    { username: "ada", password: "ada-password" },
    { redirectUriPrefix: REDIRECT },
  ).catch((error) => ({ error: String(error) }));
  res.setHeader("content-type", "application/json");
  res.end(JSON.stringify(result));
});
await new Promise((ok) => browser.listen(0, "127.0.0.1", ok));

const env = {
  issuer: kc.issuer(REALM),
  clientId: "smoke",
  clientSecret: "smoke-secret",
  redirectUri: REDIRECT,
  audience: "smoke-api",
  userId: ada.id,
  browser: `http://127.0.0.1:${browser.address().port}/`,
};

const runners = { node: viaCli, bun: viaCli, deno: viaCli, workerd: viaWorkerd };
let failed = 0;
try {
  for (const runtime of runtimes) {
    const started = performance.now();
    try {
      const proved = await runners[runtime](runtime);
      const ms = Math.round(performance.now() - started);
      console.log(`${runtime} ${version(runtime)}: ok (${ms} ms)\n  ${proved.join("\n  ")}`);
    } catch (error) {
      failed++;
      console.log(
        `${runtime} ${version(runtime)}: FAILED\n  ${String(error.message).replaceAll("\n", "\n  ")}`,
      );
    }
  }
} finally {
  browser.close();
  await kc.close();
}
process.exitCode = failed === 0 ? 0 : 1;

function version(runtime) {
  return runtime === "node" ? process.version.slice(1) : RUNTIMES[runtime].version;
}

/** The command line each runtime needs; Deno's permissions are the whole of what the core uses. */
function command(runtime) {
  const settings = JSON.stringify(env);
  if (runtime === "node") return [process.execPath, ["cli.mjs", settings]];
  if (runtime === "bun") return [ensureRuntime("bun"), ["cli.mjs", settings]];
  if (runtime === "deno")
    return [ensureRuntime("deno"), ["run", "--allow-net=127.0.0.1", "cli.mjs", settings]];
  throw new Error(`unknown runtime ${runtime}`);
}

async function viaCli(runtime) {
  const [bin, args] = command(runtime);
  const { code, out } = await exec(bin, args, { cwd: here, env: { ...process.env, NO_COLOR: "1" } });
  if (code !== 0) throw new Error(out.trim().split("\n").slice(-15).join("\n"));
  return out.trim().split("\n");
}

// workerd runs Worker modules only: bundle the smoke with the packed package the
// way wrangler would (esbuild, the `workerd` export condition), serve it, POST
// the settings. Outbound fetch goes through a network service: workerd's default
// (`internet`) allows public addresses only, so the loopback issuer needs its
// own service allowing "local".
async function viaWorkerd() {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [join(here, "worker.mjs")],
    outfile: join(here, "worker.bundle.mjs"),
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    logLevel: "error",
    // The settings, for the identity the worker creates at module scope (before any request).
    define: { __SMOKE_ENV__: JSON.stringify(env) },
  });
  const port = await freePort();
  writeFileSync(
    join(here, "workerd.capnp"),
    `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "smoke", worker = .smokeWorker),
    (name = "loopback", network = (allow = ["public", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "smoke")],
);
const smokeWorker :Workerd.Worker = (
  modules = [(name = "worker.mjs", esModule = embed "worker.bundle.mjs")],
  compatibilityDate = "${COMPATIBILITY_DATE}",
  globalOutbound = "loopback",
);
`,
  );
  const child = spawn(ensureRuntime("workerd"), ["serve", "workerd.capnp"], {
    cwd: here,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let log = "";
  child.stdout.on("data", (c) => (log += c));
  child.stderr.on("data", (c) => (log += c));
  try {
    const answer = await postWhenUp(`http://127.0.0.1:${port}/`, child);
    const result = await answer.json();
    if (answer.status !== 200) throw new Error(result.error);
    return result.proved;
  } catch (error) {
    throw new Error(`${error.message}${log ? `\nworkerd: ${log.trim().slice(-2000)}` : ""}`);
  } finally {
    child.kill();
  }
}

async function postWhenUp(url, child) {
  const deadline = Date.now() + TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`workerd exited with ${child.exitCode}`);
    try {
      return await fetch(url, {
        method: "POST",
        body: JSON.stringify(env),
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
    } catch (error) {
      if (error.cause?.code !== "ECONNREFUSED" || Date.now() > deadline) throw error;
      await new Promise((ok) => setTimeout(ok, 50));
    }
  }
}

function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
    server.on("error", fail);
  });
}

function exec(bin, args, options) {
  return new Promise((ok, fail) => {
    const child = spawn(bin, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c) => (out += c));
    child.stderr.on("data", (c) => (out += c));
    const timer = setTimeout(() => child.kill(), TIMEOUT_MS);
    child.on("error", fail);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      ok({ code: code ?? signal, out });
    });
  });
}
