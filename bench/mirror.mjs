// Benchmark of idswitch/directory against a real Keycloak: users/s for a first full mirror and for a no-op
// rerun, Keycloak calls per user, and the mirror's peak heap for N users. The Entra emulator runs in a child
// process so its own memory (it holds the whole directory) does not count against the mirror's.
//
//   npm run build && KEYCLOAK_URL=http://localhost:18180 N=2000 node --expose-gc bench/mirror.mjs
//
// Memory is sampled as live memory (after a full collection) every 500 ms: needs --expose-gc.
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";

if (process.argv[2] === "--emulator") {
  const { createEntraEmulator } = await import("idswitch/testing");
  const n = Number(process.argv[3]);
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
  for (let i = 0; i < n; i++) {
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
  }
  process.send({
    tenantId: tenant.id,
    clientId: app.clientId,
    url: entra.url,
    graphUrl: entra.graphUrl,
    groups: groups.length,
  });
} else {
  const { entraDirectory, keycloakDirectory, mirror } = await import("idswitch/directory");
  const { MemoryStateStore } = await import("idswitch");
  const { createRealm, deleteRealm } = await import("../examples/mirror/keycloak-realm.mjs");
  const n = Number(process.env.N ?? 2000);
  const base = (process.env.KEYCLOAK_URL ?? "http://localhost:8080").replace(/\/+$/, "");
  const child = fork(fileURLToPath(import.meta.url), ["--emulator", String(n)], { stdio: "inherit" });
  const world = await new Promise((resolve) => child.once("message", resolve));
  const realm = `mirror-bench-${Date.now()}`;
  await createRealm(base, realm);
  try {
    const source = entraDirectory({
      tenantId: world.tenantId,
      clientId: world.clientId,
      clientSecret: "mirror-secret",
      authority: world.url,
      graphUrl: world.graphUrl,
    });
    const target = keycloakDirectory({
      url: base,
      realm,
      clientId: "mirror",
      clientSecret: "mirror-secret",
      clients: ["app"],
    });
    const run = mirror({
      source,
      target,
      state: new MemoryStateStore(),
      policy: "propagate",
      concurrency: Number(process.env.CONCURRENCY ?? 4),
    });
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
      const calls = target.http.calls;
      const started = performance.now();
      const result = await run.apply();
      return { ms: performance.now() - started, calls: target.http.calls - calls, writes: result.writes };
    };
    const first = await timed();
    const rerun = await timed();
    clearInterval(liveSampler);
    clearInterval(rawSampler);
    const fmt = (r) =>
      `${(n / (r.ms / 1000)).toFixed(0)} users/s (${(r.ms / 1000).toFixed(1)} s), ${r.writes} writes, ${r.calls} Keycloak calls = ${(r.calls / n).toFixed(2)}/user`;
    console.log(
      `N = ${n} users, ${world.groups} groups, concurrency ${process.env.CONCURRENCY ?? 4}, Node ${process.version}`,
    );
    console.log(`first full mirror: ${fmt(first)}`);
    console.log(`no-op rerun:       ${fmt(rerun)}`);
    const mib = (bytes) => `${(bytes / 1048576).toFixed(1)} MiB`;
    console.log(
      `peak live memory above baseline: ${mib(peak - baseline)} (baseline ${mib(baseline)}); raw peak incl. garbage: ${mib(rawPeak - baseline)}`,
    );
  } finally {
    await deleteRealm(base, realm);
    child.kill();
  }
}
