// Real Keycloak for the integration tests and for local development, without Docker.
//
//   node scripts/keycloak.mjs fetch   ensure the distribution is unpacked in the cache
//   node scripts/keycloak.mjs start   start with the test fixtures, leave it running (pid file in the cache)
//   node scripts/keycloak.mjs stop    stop the server named by the pid file
//
// Plain Node ESM without npm dependencies so it runs before `npm ci` and from CI shell steps.
// The distribution lives outside the repo ($IDSWITCH_CACHE_DIR or ~/.cache/idswitch): it is ~190 MB.

import { spawn } from "node:child_process";
import fs from "node:fs";
import fsp from "node:fs/promises";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const DEFAULT_VERSION = "26.7.3";
export const DEFAULT_PORT = 18180;
export const DEFAULT_MANAGEMENT_PORT = 18190;

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
 * Starts `kc.sh start-dev` on loopback with an in-memory database (clean slate, realms imported on
 * every start) and waits until it is ready.
 * Returns `{ url, managementUrl, pid, logFile, startupMs, stop, release }`; `pid` is kc.sh's, which leads
 * the process group (in 26.7 kc.sh runs the JVM as a child and only `exec`s it after a re-augmentation).
 */
export async function startKeycloak({
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
  const logPath = logFile ?? path.join(cacheDir, "logs", `keycloak-${port}.log`);

  const url = `http://localhost:${port}`;
  const managementUrl = `http://localhost:${managementPort}`;
  const startedAt = performance.now();
  const child = spawnServer(kcHome, { port, managementPort, adminUser, adminPassword, logPath });
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) =>
      resolve(`the process exited early (code ${code}, signal ${signal})`),
    );
    child.once("error", (error) => resolve(`kc.sh could not be run: ${error.message}`));
  });
  const handle = processGroupHandle(child, stopOnProcessExit);

  try {
    await waitUntilReady({ url, managementUrl, realms, exited, deadline: Date.now() + readyTimeoutMs });
  } catch (error) {
    await handle.stop();
    throw new Error(`Keycloak did not start: ${error.message}\nLog: ${logPath}\n${await logTail(logPath)}`);
  }
  const startupMs = Math.round(performance.now() - startedAt);
  const build = (await reaugmented(logPath)) ? ", including the one-off Quarkus build" : "";
  log(`ready at ${url} in ${(startupMs / 1000).toFixed(1)} s${build} (pid ${child.pid}, log ${logPath})`);
  return {
    url,
    managementUrl,
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
  await fsp.rm(importDir, { recursive: true, force: true });
  await fsp.mkdir(importDir, { recursive: true });
  const realms = [];
  for (const file of realmFiles) {
    const json = JSON.parse(await fsp.readFile(file, "utf8"));
    if (typeof json.realm !== "string") throw new Error(`${file} has no "realm" name`);
    realms.push(json.realm);
    await fsp.copyFile(file, path.join(importDir, `${json.realm}-realm.json`));
  }
  return realms;
}

function spawnServer(home, { port, managementPort, adminUser, adminPassword, logPath }) {
  fs.mkdirSync(path.dirname(logPath), { recursive: true });
  const out = fs.openSync(logPath, "w");
  // Build-time options (--db, --cache, --health-enabled) never change, so only the first start
  // pays for Quarkus re-augmentation.
  const args = [
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
    // The Shared Signals transmitter (experimental in 26.7.3) for the signals suites. Loopback
    // receivers are plain http, which it refuses unless told; its outbox is drained every 30 s by
    // default, far too slow for a test that waits for a pushed event.
    "--features=ssf",
    "--spi-ssf-transmitter--default--allow-insecure-push-targets=true",
    "--spi-ssf-transmitter--default--outbox-drainer-interval=1s",
  ];
  try {
    return spawn(kcScript(home), args, {
      cwd: home,
      detached: true, // own process group: stop() signals kc.sh, the build JVM and the server together
      stdio: ["ignore", out, out],
      env: serverEnv(adminUser, adminPassword),
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
  return { ...env, KC_BOOTSTRAP_ADMIN_USERNAME: adminUser, KC_BOOTSTRAP_ADMIN_PASSWORD: adminPassword };
}

/** Ready = management health says UP and every imported realm serves its discovery document. */
async function waitUntilReady({ url, managementUrl, realms, exited, deadline }) {
  const probes = [
    `${managementUrl}/health/ready`,
    ...realms.map((realm) => `${url}/realms/${realm}/.well-known/openid-configuration`),
  ];
  let exitReason;
  exited.then((reason) => {
    exitReason = reason;
  });
  for (;;) {
    if (exitReason) throw new Error(exitReason);
    if (await allAnswer200(probes)) return;
    if (Date.now() > deadline) throw new Error("timed out waiting for readiness");
    await sleep(500);
  }
}

async function allAnswer200(urls) {
  for (const url of urls) {
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      if (response.status !== 200) return false;
    } catch {
      return false; // not listening yet
    }
  }
  return true;
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
 * Stop control for the process group led by the child. kc.sh `exec`s the server JVM, so the group
 * leader is Keycloak itself; signalling the group also reaches the short-lived re-augmentation JVM.
 */
function processGroupHandle(child, stopOnProcessExit) {
  const pid = child.pid;
  const killOnExit = () => pid !== undefined && signalGroup(pid, "SIGKILL");
  if (stopOnProcessExit) process.once("exit", killOnExit);
  let stopping;
  const stop = () => {
    stopping ??= stopProcessGroup(pid).finally(() => process.removeListener("exit", killOnExit));
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

function run(command, args, { cwd } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
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

async function cliStart(cacheDir, port, managementPort) {
  const existing = await readPidFile(cacheDir);
  if (existing && processAlive(existing.pid)) {
    throw new Error(`Keycloak already running (pid ${existing.pid}) at ${existing.url}; run "stop" first`);
  }
  const server = await startKeycloak({ port, managementPort, cacheDir, stopOnProcessExit: false });
  server.release();
  const { url, managementUrl, pid, logFile } = server;
  const home = path.join(cacheDir, `keycloak-${DEFAULT_VERSION}`);
  await fsp.writeFile(
    pidFilePath(cacheDir),
    `${JSON.stringify({ pid, url, managementUrl, logFile, home }, null, 2)}\n`,
  );
  process.stdout.write(`${url}\n`);
}

async function cliStop(cacheDir) {
  const record = await readPidFile(cacheDir);
  if (!record) {
    log(`no pid file at ${pidFilePath(cacheDir)}; nothing to stop`);
    return;
  }
  if (groupAlive(record.pid)) {
    // The pid may have been reused since: only signal it if it still runs our Keycloak home.
    if (!commandLineOf(record.pid).includes(record.home)) {
      throw new Error(`pid ${record.pid} is not the Keycloak in ${record.home}; not stopping it`);
    }
    await stopProcessGroup(record.pid);
    log(`stopped pid ${record.pid}`);
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
  const port = optionValue(rest, "port") ?? DEFAULT_PORT;
  const managementPort = optionValue(rest, "management-port") ?? DEFAULT_MANAGEMENT_PORT;
  switch (command) {
    case "fetch":
      process.stdout.write(`${await ensureKeycloakDistribution({ cacheDir })}\n`);
      return;
    case "start":
      return cliStart(cacheDir, port, managementPort);
    case "stop":
      return cliStop(cacheDir);
    default:
      throw new Error("usage: node scripts/keycloak.mjs fetch | start [--port=N --management-port=N] | stop");
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
