// Benchmark of idswitch/directory against a real Keycloak: people/s for a first full mirror and for a no-op
// rerun, Keycloak calls per person, live memory, where the time goes (per phase), and optionally a 1 % delta
// and a SIGKILL in the middle of the bulk phase. The Entra emulator runs in a child process so its own memory
// (it holds the whole directory) does not count against the mirror's.
//
//   npm run build
//   NODE_EXTRA_CA_CERTS=$(node scripts/keycloak.mjs ca) KEYCLOAK_URL=https://localhost:18443 \
//     N=10000 DELTA=1 KILL=1 node --expose-gc bench/mirror.mjs
//
// N people in N/20 groups. DELTA=1: after the no-op rerun, 0.5 % of the people join and 0.5 % are disabled at
// the source, and one more run mirrors that. KILL=1: before the measured runs, a first run in a child process
// is SIGKILLed halfway through its bulk phase (checkpoint in an SQLite file), then a run finishes it and the
// realm is counted for duplicates — through the admin API and, with KEYCLOAK_DB set (the production test
// bed's database), in Keycloak's own tables with psql.
import { fork, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const SELF = fileURLToPath(import.meta.url);

if (process.argv[2] === "--emulator") await emulator(Number(process.argv[3]));
else if (process.argv[2] === "--mirror") await mirrorChild(JSON.parse(process.argv[3]));
else await main();

async function emulator(n) {
  const { createEntraEmulator } = await import("idswitch/testing");
  const entra = await createEntraEmulator({ graphDeltaPageSize: 500 });
  const tenant = entra.addTenant({ domain: "contoso.example" });
  const app = entra.addApp({ tenantId: tenant.id, displayName: "mirror", secret: "mirror-secret" });
  entra.grantGraphPermissions(app.clientId, [
    "User.Read.All",
    "GroupMember.Read.All",
    "Application.Read.All",
  ]);
  const groups = Array.from({ length: Math.max(1, Math.round(n / 20)) }, (_, i) =>
    entra.addGroup({ tenantId: tenant.id, displayName: `Team ${i}` }),
  );
  const oids = [];
  const addPerson = (i) => {
    const upn = `user${i}@contoso.example`;
    const user = entra.addUser({
      tenantId: tenant.id,
      userPrincipalName: upn,
      password: "unused",
      givenName: "U",
      surname: `${i}`,
      mail: upn,
    });
    entra.addMember(groups[i % groups.length].id, user.oid);
    oids.push(user.oid);
  };
  for (let i = 0; i < n; i++) addPerson(i);
  process.on("message", (m) => {
    if (m.delta === undefined) return;
    for (let i = 0; i < m.delta; i++) addPerson(oids.length);
    for (let i = 0; i < m.delta; i++) entra.setUserState(oids[i * 7], "disabled", { audit: false });
    process.send({ deltaDone: m.delta });
  });
  process.send({
    tenantId: tenant.id,
    clientId: app.clientId,
    url: entra.url,
    graphUrl: entra.graphUrl,
    groups: groups.length,
  });
}

function mirrorOptions(world, base, realm) {
  return {
    source: {
      tenantId: world.tenantId,
      clientId: world.clientId,
      clientSecret: "mirror-secret",
      authority: world.url,
      graphUrl: world.graphUrl,
    },
    target: { url: base, realm, clientId: "mirror", clientSecret: "mirror-secret", clients: ["app"] },
  };
}

/** The run the KILL scenario SIGKILLs: checkpoint in an SQLite file, one message per progress report. */
async function mirrorChild({ world, base, realm, statePath }) {
  const { entraDirectory, keycloakDirectory, mirror } = await import("idswitch/directory");
  const { sqliteStateStore } = await import("idswitch/stores/sqlite");
  const o = mirrorOptions(world, base, realm);
  await mirror({
    source: entraDirectory(o.source),
    target: keycloakDirectory(o.target),
    state: sqliteStateStore({ path: statePath }),
    policy: "propagate",
    onProgress: (p) => process.send({ writes: p.writes, phase: p.phase }),
  }).apply();
  process.send({ done: true });
}

async function main() {
  const { entraDirectory, keycloakDirectory, mirror } = await import("idswitch/directory");
  const { MemoryStateStore } = await import("idswitch");
  const { sqliteStateStore } = await import("idswitch/stores/sqlite");
  const { createRealm, deleteRealm } = await import("../examples/mirror/keycloak-realm.mjs");
  const n = Number(process.env.N ?? 2000);
  const base = (process.env.KEYCLOAK_URL ?? "http://localhost:8080").replace(/\/+$/, "");
  const child = fork(SELF, ["--emulator", String(n)], { stdio: "inherit" });
  const world = await new Promise((resolve) => child.once("message", resolve));
  const realm = `mirror-bench-${Date.now()}`;
  await createRealm(base, realm);
  const work = mkdtempSync(join(tmpdir(), "mirror-bench-"));
  try {
    const o = mirrorOptions(world, base, realm);
    const source = entraDirectory(o.source);
    const target = keycloakDirectory(o.target);
    const phases = new Map();
    let phase;
    let phaseStarted = 0;
    const onProgress = (p) => {
      if (p.phase === phase) return;
      const now = performance.now();
      if (phase) phases.set(phase, (phases.get(phase) ?? 0) + (now - phaseStarted));
      phase = p.phase;
      phaseStarted = now;
    };
    let state = new MemoryStateStore();
    let killed;
    if (process.env.KILL) {
      // A first run SIGKILLed halfway through its bulk phase; the measured first run below finishes it.
      const statePath = join(work, "state.db");
      killed = await killHalfway({ world, base, realm, statePath }, n);
      state = sqliteStateStore({ path: statePath });
    }
    const run = mirror({ source, target, state, policy: "propagate", onProgress });
    // Live memory, not garbage: every half second a full collection, then the heap plus array buffers
    // (typed arrays live outside the JS heap). The raw peak (every 25 ms, garbage included) is shown too.
    if (!globalThis.gc) throw new Error("run with node --expose-gc");
    const live = () => {
      globalThis.gc();
      const m = process.memoryUsage();
      return m.heapUsed + m.arrayBuffers;
    };
    const baseline = live();
    let peak = baseline;
    let rawPeak = baseline;
    const liveSampler = setInterval(() => (peak = Math.max(peak, live())), 500);
    const rawSampler = setInterval(() => {
      const m = process.memoryUsage();
      rawPeak = Math.max(rawPeak, m.heapUsed + m.arrayBuffers);
    }, 25);
    const timed = async () => {
      phases.clear();
      phase = undefined;
      const calls = target.http.calls;
      const started = performance.now();
      const result = await run.apply();
      onProgress({ phase: "end" });
      return {
        ms: performance.now() - started,
        calls: target.http.calls - calls,
        writes: result.writes,
        status: result.status,
        phases: [...phases].map(([name, ms]) => `${name} ${(ms / 1000).toFixed(1)} s`).join(", "),
      };
    };
    const first = await timed();
    const rerun = await timed();
    let delta;
    if (process.env.DELTA) {
      const k = Math.max(1, Math.round(n / 200));
      child.send({ delta: k });
      await new Promise((resolve) => child.once("message", resolve));
      delta = await timed();
    }
    clearInterval(liveSampler);
    clearInterval(rawSampler);
    const fmt = (r) =>
      `${(n / (r.ms / 1000)).toFixed(0)} people/s (${(r.ms / 1000).toFixed(1)} s), ${r.status}, ${r.writes} writes, ` +
      `${r.calls} Keycloak calls = ${(r.calls / n).toFixed(3)}/person\n    phases: ${r.phases}`;
    console.log(`N = ${n} people, ${world.groups} groups, Keycloak ${base}, Node ${process.version}`);
    if (killed)
      console.log(`killed run: SIGKILLed after ${killed.writes} writes, in its ${killed.phase} phase`);
    console.log(`first full mirror: ${fmt(first)}`);
    console.log(`no-op rerun:       ${fmt(rerun)}`);
    if (delta) console.log(`1 % delta:         ${fmt(delta)}`);
    const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
    console.log(
      `peak live memory above baseline: ${mib(peak - baseline)} (baseline ${mib(baseline)}); raw peak incl. garbage: ${mib(rawPeak - baseline)}`,
    );
    console.log(`realm: ${await countRealm(target, realm)}`);
  } finally {
    await deleteRealm(base, realm);
    child.kill();
    rmSync(work, { recursive: true, force: true });
  }
}

/** Forks a mirror run and SIGKILLs it once its writes pass half the directory (inside the bulk import). */
function killHalfway(config, n) {
  return new Promise((resolve, reject) => {
    const runner = fork(SELF, ["--mirror", JSON.stringify(config)], { stdio: "inherit" });
    let last = { writes: 0, phase: "setup" };
    runner.on("message", (m) => {
      if (m.done) reject(new Error("the run finished before the kill"));
      if (m.writes === undefined) return;
      last = m;
      if (m.writes >= n / 2) runner.kill("SIGKILL");
    });
    runner.on("exit", (_code, signal) =>
      signal === "SIGKILL" ? resolve(last) : reject(new Error(`the run exited (${signal ?? _code})`)),
    );
  });
}

/** People in the realm and distinct keys among them, by the admin API and, with KEYCLOAK_DB, by SQL. */
async function countRealm(target, realm) {
  let people = 0;
  const keys = new Set();
  for (let first = 0; ; first += 200) {
    const page = await target.http.get(`/users?first=${first}&max=200&briefRepresentation=false`);
    for (const u of page) {
      const key = u.attributes?.entra_id?.[0];
      if (key === undefined) continue;
      people++;
      keys.add(key);
    }
    if (page.length < 200) break;
  }
  let line = `${people} mirrored people, ${keys.size} distinct keys (admin API)`;
  const db = process.env.KEYCLOAK_DB;
  if (db) {
    const sql =
      "select count(*) || ' rows, ' || count(distinct a.value) || ' distinct keys' from user_attribute a " +
      "join user_entity u on u.id = a.user_id join realm r on r.id = u.realm_id " +
      `where a.name = 'entra_id' and r.name = '${realm.replaceAll("'", "")}'`;
    const psql = spawnSync(
      "psql",
      ["-h", "127.0.0.1", "-U", process.env.PGUSER ?? "postgres", "-d", db, "-Atc", sql],
      {
        encoding: "utf8",
      },
    );
    line += `; in Keycloak's database: ${psql.status === 0 ? psql.stdout.trim() : `psql failed: ${psql.stderr.trim()}`}`;
  }
  return line;
}
