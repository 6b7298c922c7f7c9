// Real Keycloak for the integration tests and for local development, without Docker.
//
//   node scripts/keycloak.mjs fetch   ensure the distribution is unpacked in the cache
//   node scripts/keycloak.mjs start   start with the test fixtures, leave it running (pid file in the cache)
//   node scripts/keycloak.mjs start --production [--nodes=2]
//                                     the same in production mode: PostgreSQL, TLS, a fixed hostname
//   node scripts/keycloak.mjs stop    stop the server(s) named by the pid file (and drop their database)
//   node scripts/keycloak.mjs build   build the production copy of the distribution (once per build options)
//   node scripts/keycloak.mjs ca      print the path of the test CA (for NODE_EXTRA_CA_CERTS)
//
// Plain Node ESM without npm dependencies so it runs before `npm ci` and from CI shell steps.
// The distribution lives outside the repo ($IDSWITCH_CACHE_DIR or ~/.cache/idswitch): it is ~190 MB.

import { spawn, spawnSync } from "node:child_process";
import { createHash, X509Certificate } from "node:crypto";
import fs from "node:fs";
import fsp from "node:fs/promises";
import http from "node:http";
import https from "node:https";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const DEFAULT_VERSION = "26.7.3";
export const DEFAULT_PORT = 18180;
export const DEFAULT_MANAGEMENT_PORT = 18190;
// Production mode has ports of its own, so a dev server and a production one can run side by side.
export const PRODUCTION_PORT = 18443;
export const PRODUCTION_MANAGEMENT_PORT = 18453;
export const PRODUCTION_CLUSTER_PORT = 18463;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** Realm files imported by default (the test fixtures). */
export const FIXTURE_REALM_FILES = [
  path.join(REPO_ROOT, "test/fixtures/keycloak/idswitch-realm.json"),
  path.join(REPO_ROOT, "test/fixtures/keycloak/other-realm.json"),
];

// Pinned so `mvn` does not resolve the plugin version from repository metadata at run time.
const DEPENDENCY_PLUGIN = "org.apache.maven.plugins:maven-dependency-plugin:3.6.1";
const STOP_GRACE_MS = 30_000;
const LOG_TAIL_LINES = 40;

const log = (message) => process.stderr.write(`[keycloak] ${message}\n`);

export function defaultCacheDir() {
  return process.env.IDSWITCH_CACHE_DIR || path.join(os.homedir(), ".cache", "idswitch");
}

// ---------------------------------------------------------------------------------------------
// Distribution
// ---------------------------------------------------------------------------------------------

/**
 * Makes sure `<cacheDir>/keycloak-<version>/bin/kc.sh` exists and returns the Keycloak home.
 * Unpacks into a temporary directory and renames it into place, so a killed run never leaves a
 * half-unpacked tree that later runs would mistake for a complete one.
 */
export async function ensureKeycloakDistribution({
  version = DEFAULT_VERSION,
  cacheDir = defaultCacheDir(),
} = {}) {
  const home = path.join(cacheDir, `keycloak-${version}`);
  if (fs.existsSync(kcScript(home))) return home;

  await fsp.mkdir(cacheDir, { recursive: true });
  const zip = await resolveDistributionZip(version);
  await removeAbandonedUnpackDirs(cacheDir);

  const tmp = await fsp.mkdtemp(path.join(cacheDir, `.unpack-${process.pid}-`));
  try {
    log(`unpacking ${path.basename(zip)} into ${cacheDir}`);
    await extractZip(zip, tmp);
    const unpacked = path.join(tmp, `keycloak-${version}`);
    if (!fs.existsSync(kcScript(unpacked))) {
      throw new Error(`${zip} does not contain keycloak-${version}/bin/kc.sh`);
    }
    await makeScriptsExecutable(unpacked);
    await moveIntoPlace(unpacked, home);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return home;
}

function kcScript(home) {
  return path.join(home, "bin", "kc.sh");
}

function m2ZipPath(version) {
  return path.join(
    os.homedir(),
    ".m2/repository/org/keycloak/keycloak-quarkus-dist",
    version,
    `keycloak-quarkus-dist-${version}.zip`,
  );
}

async function resolveDistributionZip(version) {
  const zip = m2ZipPath(version);
  if (fs.existsSync(zip)) return zip;
  if (!findOnPath("mvn")) {
    throw new Error(`${zip} is missing and Maven (mvn) is not on PATH to download it`);
  }
  log(`downloading org.keycloak:keycloak-quarkus-dist:${version}:zip with Maven`);
  await run("mvn", [
    "-B",
    "-q",
    `${DEPENDENCY_PLUGIN}:get`,
    `-Dartifact=org.keycloak:keycloak-quarkus-dist:${version}:zip`,
    "-Dtransitive=false",
  ]);
  // A settings.xml may point Maven at another local repository; say so rather than guess.
  if (!fs.existsSync(zip))
    throw new Error(`Maven finished but ${zip} does not exist (custom localRepository?)`);
  return zip;
}

/** `unzip` is not installed everywhere; `jar` comes with the JDK Keycloak needs anyway. */
async function extractZip(zip, destination) {
  if (findOnPath("unzip")) return run("unzip", ["-q", zip, "-d", destination]);
  if (findOnPath("jar")) return run("jar", ["xf", zip], { cwd: destination });
  if (findOnPath("python3")) {
    return run("python3", [
      "-c",
      "import sys,zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])",
      zip,
      destination,
    ]);
  }
  throw new Error("cannot unpack the Keycloak zip: none of unzip, jar or python3 is on PATH");
}

/** `jar` and Python's zipfile drop the Unix mode bits, so restore them for the launch scripts. */
async function makeScriptsExecutable(home) {
  const bin = path.join(home, "bin");
  for (const name of await fsp.readdir(bin)) {
    if (name.endsWith(".sh")) await fsp.chmod(path.join(bin, name), 0o755);
  }
}

async function moveIntoPlace(unpacked, home) {
  try {
    await fsp.rename(unpacked, home);
  } catch (error) {
    // Another run finished first: its complete tree is as good as ours.
    const lostRace = ["EEXIST", "ENOTEMPTY"].includes(error.code) && fs.existsSync(kcScript(home));
    if (!lostRace) throw error;
  }
}

/** Temp dirs are named after the pid that made them; remove those whose process is gone. */
async function removeAbandonedUnpackDirs(cacheDir) {
  for (const name of await fsp.readdir(cacheDir)) {
    const match = /^\.unpack-(\d+)-/.exec(name);
    if (match && !processAlive(Number(match[1]))) {
      await fsp.rm(path.join(cacheDir, name), { recursive: true, force: true });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Start / stop
// ---------------------------------------------------------------------------------------------

/**
 * Starts Keycloak on loopback with the test fixtures and waits until it is ready.
 *
 * `mode: "dev"` (the default): `kc.sh start-dev` with an in-memory database (clean slate, realms
 * imported on every start), plain http. `mode: "production"`: see startProductionKeycloak.
 * Returns `{ url, managementUrl, pid, logFile, startupMs, stop, release }`; `pid` is kc.sh's, which leads
 * the process group (in 26.7 kc.sh runs the JVM as a child and only `exec`s it after a re-augmentation).
 */
export async function startKeycloak({ mode = "dev", ...options } = {}) {
  if (mode === "production") return startProductionKeycloak(options);
  if (mode !== "dev") throw new Error(`unknown Keycloak mode "${mode}" (dev or production)`);
  return startDevKeycloak(options);
}

async function startDevKeycloak({
  port = DEFAULT_PORT,
  managementPort = DEFAULT_MANAGEMENT_PORT,
  realmFiles = FIXTURE_REALM_FILES,
  logFile,
  readyTimeoutMs = 180_000,
  adminUser = "admin",
  adminPassword = "admin",
  version = DEFAULT_VERSION,
  cacheDir = defaultCacheDir(),
  home,
  // Kill the server if this Node process exits without calling stop() (crash, Ctrl-C).
  stopOnProcessExit = true,
} = {}) {
  await assertPortFree(port, "HTTP");
  await assertPortFree(managementPort, "management");
  const kcHome = home ?? (await ensureKeycloakDistribution({ version, cacheDir }));
  const realms = await stageRealmImports(kcHome, realmFiles);
  const url = `http://localhost:${port}`;
  return launch({
    home: kcHome,
    args: devArgs({ port, managementPort }),
    env: serverEnv(adminUser, adminPassword),
    url,
    probes: readinessProbes(url, `http://localhost:${managementPort}`, realms),
    logPath: logFile ?? path.join(cacheDir, "logs", `keycloak-${port}.log`),
    readyTimeoutMs,
    stopOnProcessExit,
  });
}

/** Spawns kc.sh in its own process group, waits for every probe to answer 200, and returns the handle. */
async function launch({
  home,
  args,
  env,
  url,
  probes,
  logPath,
  readyTimeoutMs,
  stopOnProcessExit,
  ca,
  onExit,
}) {
  const startedAt = performance.now();
  const child = spawnServer(home, args, env, logPath);
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) =>
      resolve(`the process exited early (code ${code}, signal ${signal})`),
    );
    child.once("error", (error) => resolve(`kc.sh could not be run: ${error.message}`));
  });
  const handle = processGroupHandle(child, stopOnProcessExit, onExit);

  try {
    await waitUntilReady({ probes, ca, exited, deadline: Date.now() + readyTimeoutMs });
  } catch (error) {
    await handle.stop();
    throw new Error(`Keycloak did not start: ${error.message}\nLog: ${logPath}\n${await logTail(logPath)}`);
  }
  const startupMs = Math.round(performance.now() - startedAt);
  const build = (await reaugmented(logPath)) ? ", including the one-off Quarkus build" : "";
  log(`ready at ${url} in ${(startupMs / 1000).toFixed(1)} s${build} (pid ${child.pid}, log ${logPath})`);
  return {
    url,
    managementUrl: probes[0].replace(/\/health\/ready$/, ""),
    pid: child.pid,
    logFile: logPath,
    startupMs,
    stop: handle.stop,
    release: handle.release,
  };
}

/** Fails fast with a clear message instead of letting Keycloak die with a Quarkus bind error. */
async function assertPortFree(port, label) {
  await new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (error) =>
      reject(
        error.code === "EADDRINUSE"
          ? new Error(`Keycloak ${label} port ${port} is already in use on 127.0.0.1 (another Keycloak?)`)
          : error,
      ),
    );
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve()));
  });
  // An IPv6-only listener does not block our IPv4 bind, but `localhost` may resolve to ::1 first.
  if (await canConnect("::1", port)) {
    throw new Error(`Keycloak ${label} port ${port} is already in use on [::1]`);
  }
}

function canConnect(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (result) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once("connect", () => done(true));
    socket.once("error", () => done(false));
  });
}

/** Replaces `<home>/data/import` with the given realm files; returns the realm names they define. */
async function stageRealmImports(home, realmFiles) {
  const importDir = path.join(home, "data", "import");
  await fsp.mkdir(importDir, { recursive: true });
  const staged = new Map();
  for (const file of realmFiles) {
    const text = await fsp.readFile(file, "utf8");
    const json = JSON.parse(text);
    if (typeof json.realm !== "string") throw new Error(`${file} has no "realm" name`);
    staged.set(`${json.realm}-realm.json`, text);
  }
  for (const name of await fsp.readdir(importDir)) {
    if (!staged.has(name)) await fsp.rm(path.join(importDir, name), { recursive: true, force: true });
  }
  // Rewritten only when changed, and by rename: another server starting from the same home (the
  // production copy is shared) never reads a half-written file.
  for (const [name, text] of staged) {
    const target = path.join(importDir, name);
    if ((await fsp.readFile(target, "utf8").catch(() => undefined)) === text) continue;
    const tmp = `${target}.${process.pid}.tmp`;
    await fsp.writeFile(tmp, text);
    await fsp.rename(tmp, target);
  }
  return [...staged.keys()].map((name) => name.replace(/-realm\.json$/, ""));
}

// Build-time options (--db, --cache, --health-enabled) never change, so only the first start
// pays for Quarkus re-augmentation.
function devArgs({ port, managementPort }) {
  return [
    "start-dev",
    `--http-port=${port}`,
    "--http-host=127.0.0.1",
    `--http-management-port=${managementPort}`,
    "--http-management-host=127.0.0.1",
    // Fixed issuer: without it `iss` follows the request's Host header.
    `--hostname=http://localhost:${port}`,
    "--health-enabled=true",
    "--import-realm",
    "--cache=local",
    "--db=dev-mem",
    "--features=ssf",
    ...SSF_RUNTIME_OPTIONS,
  ];
}

// The Shared Signals transmitter (experimental in 26.7.3, feature `ssf`) for the signals suites.
// Loopback receivers are plain http, which it refuses unless told; its outbox is drained every 30 s
// by default, far too slow for a test that waits for a pushed event.
const SSF_RUNTIME_OPTIONS = [
  "--spi-ssf-transmitter--default--allow-insecure-push-targets=true",
  "--spi-ssf-transmitter--default--outbox-drainer-interval=1s",
];

function spawnServer(home, args, env, logPath) {
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, "w");
  try {
    return spawn(kcScript(home), args, {
      cwd: home,
      detached: true, // own process group: stop() signals kc.sh, the build JVM and the server together
      stdio: ["ignore", out, out],
      env,
    });
  } finally {
    fs.closeSync(out); // the child keeps its own copy of the descriptor
  }
}

/** Drops inherited KC_* settings so a developer's shell cannot change the test server's configuration. */
function serverEnv(adminUser, adminPassword) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("KC_") && !name.startsWith("KEYCLOAK_ADMIN"),
    ),
  );
  if (adminUser === undefined) return env; // kc.sh build
  return { ...env, KC_BOOTSTRAP_ADMIN_USERNAME: adminUser, KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword };
}

/** The management port's readiness, then every imported realm's discovery document. */
function readinessProbes(url, managementUrl, realms) {
  return [
    `${managementUrl}/health/ready`,
    ...realms.map((realm) => `${url}/realms/${realm}/.well-known/openid-configuration`),
  ];
}

/** Ready = every probe answers 200 (in production mode `/health/ready` stays 503 until bootstrap ends). */
async function waitUntilReady({ probes, ca, exited, deadline }) {
  let exitReason;
  exited.then((reason) => {
    exitReason = reason;
  });
  for (;;) {
    if (exitReason) throw new Error(exitReason);
    if (await allAnswer200(probes, ca)) return;
    if (Date.now() > deadline) throw new Error("timed out waiting for readiness");
    await sleep(500);
  }
}

async function allAnswer200(urls, ca) {
  for (const url of urls) {
    if ((await statusOf(url, ca)) !== 200) return false;
  }
  return true;
}

/**
 * GET's status code, or 0 when nothing answers. node:http(s) rather than fetch: this process need
 * not have been started with NODE_EXTRA_CA_CERTS, so the test CA is passed per request.
 */
export function statusOf(url, ca) {
  const client = url.startsWith("https:") ? https : http;
  return new Promise((resolve) => {
    // agent: false — one connection per probe, closed after it: no idle keep-alive socket is left
    // to the server (Node 20's global agents keep them).
    const request = client.get(url, { ca, timeout: 2000, agent: false }, (response) => {
      response.resume();
      response.once("end", () => resolve(response.statusCode ?? 0));
      response.once("error", () => resolve(0));
    });
    request.once("timeout", () => request.destroy());
    request.once("error", () => resolve(0)); // not listening yet
  });
}

/** kc.sh prints this before the extra build JVM it runs when build-time options changed (~30 s). */
async function reaugmented(logPath) {
  const head = await fsp.readFile(logPath, "utf8").then(
    (text) => text.slice(0, 500),
    () => "",
  );
  return head.includes("Updating the configuration");
}

async function logTail(logPath) {
  try {
    const lines = (await fsp.readFile(logPath, "utf8")).trimEnd().split("\n");
    return `--- last ${LOG_TAIL_LINES} lines ---\n${lines.slice(-LOG_TAIL_LINES).join("\n")}`;
  } catch {
    return "(log file unreadable)";
  }
}

/**
 * Stop control for the process group led by kc.sh: signalling the group reaches the server JVM
 * (kc.sh's child in production mode, and in dev mode unless it `exec`ed it) and the short-lived
 * re-augmentation JVM. `onExit` runs after the group is gone (e.g. drop the server's database).
 */
function processGroupHandle(child, stopOnProcessExit, onExit = {}) {
  const pid = child.pid;
  const killOnExit = () => {
    if (pid !== undefined) signalGroup(pid, "SIGKILL");
    onExit.sync?.(); // e.g. drop the database: only synchronous work runs in an "exit" listener
  };
  if (stopOnProcessExit) process.once("exit", killOnExit);
  let stopping;
  const stop = () => {
    stopping ??= stopProcessGroup(pid)
      .then(() => onExit.async?.())
      .finally(() => process.removeListener("exit", killOnExit));
    return stopping;
  };
  // Hands the server over (CLI "start"): this Node process may exit while Keycloak keeps running.
  const release = () => {
    process.removeListener("exit", killOnExit);
    child.unref();
  };
  return { stop, release };
}

/** SIGTERM (Quarkus shuts down gracefully), then SIGKILL after STOP_GRACE_MS. Only touches `pid`'s group. */
export async function stopProcessGroup(pid) {
  if (pid === undefined || !groupAlive(pid)) return; // never spawned, or already gone
  signalGroup(pid, "SIGTERM");
  if (await waitForGroupExit(pid, STOP_GRACE_MS)) return;
  log(`pid ${pid} ignored SIGTERM for ${STOP_GRACE_MS / 1000} s; sending SIGKILL`);
  signalGroup(pid, "SIGKILL");
  await waitForGroupExit(pid, 5000);
}

// Polling (rather than the child's "exit" event) also works for the CLI, which did not spawn the server.
async function waitForGroupExit(pid, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (groupAlive(pid)) {
    if (Date.now() > deadline) return false;
    await sleep(200);
  }
  return true;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch (error) {
    if (error.code !== "ESRCH") throw error;
  }
}

function groupAlive(pid) {
  try {
    process.kill(-pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

function processAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === "EPERM";
  }
}

// ---------------------------------------------------------------------------------------------
// Production mode: `kc.sh build` once, then `kc.sh start --optimized` on PostgreSQL with TLS
// (https://www.keycloak.org/server/configuration-production)
// ---------------------------------------------------------------------------------------------

/**
 * Build-time options of the production test bed. `ssf` is what start-dev enables too (the signals
 * suites); health and metrics are served on the management port
 * (https://www.keycloak.org/server/health, https://www.keycloak.org/server/management-interface).
 */
export const PRODUCTION_BUILD_OPTIONS = [
  "--db=postgres",
  "--features=ssf",
  "--health-enabled=true",
  "--metrics-enabled=true",
];

// The machine's PostgreSQL (CONTRIBUTING.md): loopback, trust authentication for `postgres`.
const PG = { host: "127.0.0.1", port: 5432, user: "postgres" };

/**
 * A copy of the distribution of its own, built with `buildOptions`, at
 * `<cacheDir>/keycloak-<version>-production-<hash of the options>`: start-dev re-augments its home
 * whenever its options differ from the last build, so sharing one would rebuild on every switch.
 * Built in a temporary copy and renamed into place, as ensureKeycloakDistribution unpacks.
 */
export async function ensureProductionDistribution({
  version = DEFAULT_VERSION,
  cacheDir = defaultCacheDir(),
  buildOptions = PRODUCTION_BUILD_OPTIONS,
} = {}) {
  const hash = createHash("sha256")
    .update(JSON.stringify([version, ...buildOptions]))
    .digest("hex");
  const home = path.join(cacheDir, `keycloak-${version}-production-${hash.slice(0, 10)}`);
  if (fs.existsSync(kcScript(home))) return home;

  const source = await ensureKeycloakDistribution({ version, cacheDir });
  await removeAbandonedUnpackDirs(cacheDir);
  const tmp = await fsp.mkdtemp(path.join(cacheDir, `.unpack-${process.pid}-`));
  try {
    const copy = path.join(tmp, path.basename(home));
    // data/ holds a dev server's state (staged imports, H2 files): not part of the distribution.
    await fsp.cp(source, copy, {
      recursive: true,
      filter: (file) => file !== path.join(source, "data"),
    });
    log(`building ${path.basename(home)}: kc.sh build ${buildOptions.join(" ")}`);
    const startedAt = performance.now();
    await run(kcScript(copy), ["build", ...buildOptions], { cwd: copy, env: serverEnv() });
    log(`built in ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
    await moveIntoPlace(copy, home);
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return home;
}

/**
 * A test CA and a certificate for localhost/127.0.0.1 signed by it, in `<cacheDir>/tls`, made with
 * openssl when missing or about to expire. Returns the file paths and the leaf's SPKI hash (base64
 * SHA-256, what Chromium's --ignore-certificate-errors-spki-list takes).
 */
export function ensureCertificates({ cacheDir = defaultCacheDir() } = {}) {
  // One generation at a time per process: the test setups of several projects ask at once, and a
  // second generation would replace the CA the first caller already handed out.
  const dir = path.join(cacheDir, "tls");
  let pending = certificatesInFlight.get(dir);
  if (!pending) {
    pending = makeOrReuseCertificates(cacheDir, dir).finally(() => certificatesInFlight.delete(dir));
    certificatesInFlight.set(dir, pending);
  }
  return pending;
}

const certificatesInFlight = new Map();

async function makeOrReuseCertificates(cacheDir, dir) {
  const files = certificateFiles(dir);
  if (!certificatesUsable(files)) {
    await fsp.mkdir(cacheDir, { recursive: true });
    await removeAbandonedUnpackDirs(cacheDir);
    const tmp = await fsp.mkdtemp(path.join(cacheDir, `.unpack-${process.pid}-`));
    try {
      await makeCertificates(certificateFiles(tmp));
      await fsp.rm(dir, { recursive: true, force: true });
      await fsp.rename(tmp, dir).catch((error) => {
        // Another run made them first: theirs are as good as ours.
        if (!["EEXIST", "ENOTEMPTY"].includes(error.code) || !certificatesUsable(files)) throw error;
      });
    } finally {
      await fsp.rm(tmp, { recursive: true, force: true });
    }
  }
  const leaf = new X509Certificate(fs.readFileSync(files.cert));
  const spki = leaf.publicKey.export({ type: "spki", format: "der" });
  return { ...files, spkiSha256: createHash("sha256").update(spki).digest("base64") };
}

function certificateFiles(dir) {
  return {
    ca: path.join(dir, "ca.pem"),
    caKey: path.join(dir, "ca-key.pem"),
    cert: path.join(dir, "localhost.pem"),
    key: path.join(dir, "localhost-key.pem"),
  };
}

const CERT_DAYS = 30;
const CERT_MIN_REMAINING_MS = 2 * 24 * 3600_000;

function certificatesUsable(files) {
  try {
    const ca = new X509Certificate(fs.readFileSync(files.ca));
    const leaf = new X509Certificate(fs.readFileSync(files.cert));
    fs.accessSync(files.key, fs.constants.R_OK);
    const soon = Date.now() + CERT_MIN_REMAINING_MS;
    return (
      leaf.verify(ca.publicKey) &&
      Date.parse(ca.validTo) > soon &&
      Date.parse(leaf.validTo) > soon &&
      leaf.checkHost("localhost") !== undefined &&
      leaf.checkIP("127.0.0.1") !== undefined
    );
  } catch {
    return false;
  }
}

async function makeCertificates(files) {
  if (!findOnPath("openssl")) throw new Error("openssl is not on PATH: it makes the test CA");
  const dir = path.dirname(files.ca);
  await run("openssl", [
    // No `-quiet`: OpenSSL 3.0 (Debian 12's) does not know it for `req`; the progress dots go to stderr.
    ...["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", String(CERT_DAYS)],
    ...["-keyout", files.caKey, "-out", files.ca, "-subj", "/CN=idswitch test CA (loopback only)"],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
  const csr = path.join(dir, "localhost.csr");
  const extensions = path.join(dir, "localhost.ext");
  await fsp.writeFile(
    extensions,
    [
      "subjectAltName=DNS:localhost,IP:127.0.0.1",
      "basicConstraints=critical,CA:FALSE",
      "keyUsage=critical,digitalSignature,keyEncipherment",
      "extendedKeyUsage=serverAuth",
      "",
    ].join("\n"),
  );
  await run("openssl", [
    ...["req", "-newkey", "rsa:2048", "-nodes", "-keyout", files.key, "-out", csr, "-subj", "/CN=localhost"],
  ]);
  await run("openssl", [
    ...["x509", "-req", "-in", csr, "-CA", files.ca, "-CAkey", files.caKey, "-CAcreateserial"],
    ...["-days", String(CERT_DAYS), "-extfile", extensions, "-out", files.cert],
  ]);
}

/** The database a production server on `port` creates for itself (named after the port: parallel runs never share one). */
export const databaseNameFor = (port) => `idswitch_keycloak_${port}`;

/** Creates `name` on the machine's PostgreSQL, dropping a leftover of that name first. */
export async function createDatabase(name) {
  assertDatabaseName(name);
  await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  await psql(`CREATE DATABASE "${name}"`);
}

export async function dropDatabase(name) {
  assertDatabaseName(name);
  await psql(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
}

function dropDatabaseSync(name) {
  spawnSync("psql", [...psqlArgs(), "-c", `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], {
    stdio: "ignore",
  });
}

function assertDatabaseName(name) {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`not a plain database name: ${name}`);
}

const psqlArgs = (database = "postgres") => [
  ...["-h", PG.host, "-p", String(PG.port), "-U", PG.user, "-d", database, "-qAtX"],
];

/** Runs one statement with psql (unaligned, tuples only); returns its output. */
export function psql(sql, { database = "postgres" } = {}) {
  if (!findOnPath("psql")) throw new Error("psql is not on PATH: production mode needs PostgreSQL");
  return new Promise((resolve, reject) => {
    const child = spawn("psql", [...psqlArgs(database), "-v", "ON_ERROR_STOP=1", "-c", sql], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.once("error", reject);
    child.once("exit", (code) =>
      code === 0 ? resolve(out) : reject(new Error(`psql failed (${sql}): ${err.trim()}`)),
    );
  });
}

/**
 * `kc.sh start --optimized` on the production build: PostgreSQL, https on 127.0.0.1 with the test
 * CA's certificate, a fixed `--hostname`, health on the https management port. One node or several
 * on one database: production mode clusters through `jdbc-ping` (discovery rows in the database,
 * https://www.keycloak.org/server/caching); on one host each node needs its own cluster bind port,
 * bound to loopback.
 *
 * `database` omitted: the node creates `databaseNameFor(port)` (dropping a leftover first), imports
 * the realms and drops the database when stopped. Given: a database someone else created and will
 * drop (a further node of a cluster); `importRealms` then defaults to false (the first node did).
 */
export async function startProductionKeycloak({
  port = PRODUCTION_PORT,
  managementPort = PRODUCTION_MANAGEMENT_PORT,
  clusterPort = PRODUCTION_CLUSTER_PORT,
  hostname = `https://localhost:${port}`,
  database,
  importRealms = database === undefined,
  realmFiles = FIXTURE_REALM_FILES,
  logFile,
  readyTimeoutMs = 300_000,
  adminUser = "admin",
  adminPassword = "admin",
  version = DEFAULT_VERSION,
  cacheDir = defaultCacheDir(),
  buildOptions = PRODUCTION_BUILD_OPTIONS,
  stopOnProcessExit = true,
} = {}) {
  await assertPortFree(port, "https");
  await assertPortFree(managementPort, "management");
  await assertPortFree(clusterPort, "cluster");
  const home = await ensureProductionDistribution({ version, cacheDir, buildOptions });
  const tls = await ensureCertificates({ cacheDir });
  const realms = importRealms ? await stageRealmImports(home, realmFiles) : [];
  const ownsDatabase = database === undefined;
  const dbName = database ?? databaseNameFor(port);
  if (ownsDatabase) await createDatabase(dbName);

  const args = [
    "start",
    "--optimized",
    `--db-url=jdbc:postgresql://${PG.host}:${PG.port}/${dbName}`,
    `--db-username=${PG.user}`,
    `--hostname=${hostname}`,
    "--http-host=127.0.0.1",
    `--https-port=${port}`,
    `--https-certificate-file=${tls.cert}`,
    `--https-certificate-key-file=${tls.key}`,
    // The management interface inherits the https configuration (https://www.keycloak.org/server/management-interface).
    `--http-management-port=${managementPort}`,
    "--http-management-host=127.0.0.1",
    // Default bind address is a site-local NIC; two nodes on one host also need distinct ports.
    "--cache-embedded-network-bind-address=127.0.0.1",
    `--cache-embedded-network-bind-port=${clusterPort}`,
    ...(importRealms ? ["--import-realm"] : []),
    ...SSF_RUNTIME_OPTIONS,
  ];
  const url = `https://localhost:${port}`;
  const dropOwnDatabase = {
    sync: () => ownsDatabase && dropDatabaseSync(dbName),
    async: () => ownsDatabase && dropDatabase(dbName),
  };
  let server;
  try {
    server = await launch({
      home,
      args,
      env: serverEnv(adminUser, adminPassword),
      url,
      // Requests go to this node itself, whatever `hostname` (a balancer) says.
      probes: readinessProbes(url, `https://localhost:${managementPort}`, realms),
      ca: fs.readFileSync(tls.ca),
      logPath: logFile ?? path.join(cacheDir, "logs", `keycloak-production-${port}.log`),
      readyTimeoutMs,
      stopOnProcessExit,
      onExit: dropOwnDatabase,
    });
  } catch (error) {
    await dropOwnDatabase.async();
    throw error;
  }
  return {
    ...server,
    mode: "production",
    hostname,
    home,
    database: dbName,
    caFile: tls.ca,
    spkiSha256: tls.spkiSha256,
  };
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

function findOnPath(command) {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    try {
      fs.accessSync(path.join(dir, command), fs.constants.X_OK);
      return path.join(dir, command);
    } catch {
      // keep looking
    }
  }
  return undefined;
}

// Output goes to stderr: the CLI's stdout carries only its answer (a path, a URL).
function run(command, args, { cwd, env, stdio = ["ignore", 2, 2] } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio });
    child.once("error", reject);
    child.once("exit", (code, signal) =>
      code === 0 ? resolve() : reject(new Error(`${command} failed (code ${code}, signal ${signal})`)),
    );
  });
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------

function pidFilePath(cacheDir) {
  return path.join(cacheDir, "keycloak.pid.json");
}

async function cliStart(cacheDir, options) {
  const existing = await readPidFile(cacheDir);
  if (existing && processAlive(existing.pid)) {
    throw new Error(`Keycloak already running (pid ${existing.pid}) at ${existing.url}; run "stop" first`);
  }
  const { production, nodes, port, managementPort } = options;
  const first = await startKeycloak({
    mode: production ? "production" : "dev",
    port,
    managementPort,
    ...(production && { clusterPort: options.clusterPort }),
    cacheDir,
    stopOnProcessExit: false,
  });
  first.release();
  const record = {
    pid: first.pid,
    url: first.url,
    managementUrl: first.managementUrl,
    logFile: first.logFile,
    home: first.home ?? path.join(cacheDir, `keycloak-${DEFAULT_VERSION}`),
    ...(production && { mode: "production", database: first.database, caFile: first.caFile }),
    nodes: [],
  };
  await writePidFile(cacheDir, record);
  // Further nodes: the next ports up, the same database and --hostname (one issuer for the cluster).
  for (let n = 1; n < nodes; n++) {
    const node = await startKeycloak({
      mode: "production",
      port: port + n,
      managementPort: managementPort + n,
      clusterPort: options.clusterPort + n,
      hostname: first.url,
      database: first.database,
      cacheDir,
      stopOnProcessExit: false,
    });
    node.release();
    record.nodes.push({
      pid: node.pid,
      url: node.url,
      managementUrl: node.managementUrl,
      logFile: node.logFile,
    });
    await writePidFile(cacheDir, record);
  }
  process.stdout.write(`${first.url}\n`);
}

function writePidFile(cacheDir, record) {
  return fsp.writeFile(pidFilePath(cacheDir), `${JSON.stringify(record, null, 2)}\n`);
}

async function cliStop(cacheDir) {
  const record = await readPidFile(cacheDir);
  if (!record) {
    log(`no pid file at ${pidFilePath(cacheDir)}; nothing to stop`);
    return;
  }
  for (const { pid } of [...(record.nodes ?? []), record]) {
    if (!groupAlive(pid)) continue;
    // The pid may have been reused since: only signal it if it still runs our Keycloak home.
    if (!commandLineOf(pid).includes(record.home)) {
      throw new Error(`pid ${pid} is not the Keycloak in ${record.home}; not stopping it`);
    }
    await stopProcessGroup(pid);
    log(`stopped pid ${pid}`);
  }
  if (record.database) {
    await dropDatabase(record.database);
    log(`dropped database ${record.database}`);
  }
  await fsp.rm(pidFilePath(cacheDir), { force: true });
}

async function readPidFile(cacheDir) {
  try {
    return JSON.parse(await fsp.readFile(pidFilePath(cacheDir), "utf8"));
  } catch (error) {
    if (error.code === "ENOENT") return undefined;
    throw error;
  }
}

function commandLineOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

function optionValue(args, name) {
  const prefix = `--${name}=`;
  const arg = args.find((a) => a.startsWith(prefix));
  return arg === undefined ? undefined : Number(arg.slice(prefix.length));
}

async function main(argv) {
  const [command, ...rest] = argv;
  const cacheDir = defaultCacheDir();
  const production = rest.includes("--production");
  const options = {
    production,
    nodes: optionValue(rest, "nodes") ?? 1,
    port: optionValue(rest, "port") ?? (production ? PRODUCTION_PORT : DEFAULT_PORT),
    managementPort:
      optionValue(rest, "management-port") ??
      (production ? PRODUCTION_MANAGEMENT_PORT : DEFAULT_MANAGEMENT_PORT),
    clusterPort: optionValue(rest, "cluster-port") ?? PRODUCTION_CLUSTER_PORT,
  };
  if (options.nodes > 1 && !production)
    throw new Error("--nodes needs --production (dev mode has no cluster)");
  switch (command) {
    case "fetch":
      process.stdout.write(`${await ensureKeycloakDistribution({ cacheDir })}\n`);
      return;
    case "build":
      process.stdout.write(`${await ensureProductionDistribution({ cacheDir })}\n`);
      return;
    case "ca":
      process.stdout.write(`${(await ensureCertificates({ cacheDir })).ca}\n`);
      return;
    case "start":
      return cliStart(cacheDir, options);
    case "stop":
      return cliStop(cacheDir);
    default:
      throw new Error(
        "usage: node scripts/keycloak.mjs fetch | build | ca | stop\n" +
          "       | start [--production [--nodes=N] [--cluster-port=N]] [--port=N --management-port=N]",
      );
  }
}

const invokedDirectly =
  process.argv[1] && import.meta.url === pathToFileURL(fs.realpathSync(process.argv[1])).href;
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  });
}
