#!/usr/bin/env node
// Tests the artifact, not the source: build, `npm pack`, install the tarball
// into an empty folder, import every public entry point and type-check a
// consumer against the shipped declarations. Then publint and attw.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString();

run("npm", ["run", "build", "--silent"]);
const scratch = mkdtempSync(join(tmpdir(), "idswitch-dist-"));
try {
  const tarball = JSON.parse(run("npm", ["pack", "--json", "--pack-destination", scratch]))[0];
  const shipped = tarball.files.map((f) => f.path);
  for (const forbidden of [/^src\//, /^test\//, /node_modules/, /\.env/]) {
    const leaked = shipped.filter((p) => forbidden.test(p));
    if (leaked.length > 0) throw new Error(`tarball ships ${leaked.join(", ")}`);
  }
  writeFileSync(
    join(scratch, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  run("npm", ["install", "--no-audit", "--no-fund", "--silent", join(scratch, tarball.filename)], scratch);

  writeFileSync(
    join(scratch, "consumer.mjs"),
    `import { keycloak, oidc, IdSwitchError } from "idswitch";
const eu = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });
if (eu.realm !== "acme" || typeof oidc !== "function") throw new Error("exports broken");
try { keycloak({ id: "eu", issuer: "nope", clientId: "" }); throw new Error("no config error"); }
catch (e) { if (!(e instanceof IdSwitchError) || e.code !== "config_invalid") throw e; }
const { loadConfig } = await import("idswitch/config");
const fromEnv = await loadConfig({ env: { IDSWITCH_CONFIG: JSON.stringify({ providers: [{ type: "keycloak", id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" }] }) } });
if (fromEnv.providers[0].realm !== "acme") throw new Error("config entry broken");
const directory = await import("idswitch/directory");
const { IdSwitchError: RootError } = await import("idswitch");
try { directory.entraDirectory({}); throw new Error("no config error"); }
catch (e) { if (!(e instanceof RootError)) throw new Error("idswitch/directory throws another IdSwitchError class"); }
const { createEntraEmulator } = await import("idswitch/testing");
const emu = await createEntraEmulator();
const doc = await (await fetch(emu.authority("organizations") + "/v2.0/.well-known/openid-configuration")).json();
if (!doc.issuer.endsWith("/{tenantid}/v2.0")) throw new Error("testing entry broken");
const { nodeFetch } = await import("idswitch/node");
const viaNode = await (await nodeFetch()(emu.authority("organizations") + "/v2.0/.well-known/openid-configuration")).json();
if (viaNode.issuer !== doc.issuer) throw new Error("node entry broken");
await emu.close();
console.log("import ok");`,
  );
  process.stdout.write(run("node", ["consumer.mjs"], scratch));

  // Store entries. Their drivers are optional peers, absent from a plain
  // install: importing a store without its driver must fail at once, naming
  // the package to install (not deep inside a call). Then, with the drivers
  // present, each entry must load and share the root entry's error classes.
  writeFileSync(
    join(scratch, "stores.mjs"),
    `const drivers = { sqlite: "better-sqlite3", postgres: "pg", redis: "redis" };
const phase = process.argv[2];
for (const [store, driver] of Object.entries(drivers)) {
  try {
    await import("idswitch/stores/" + store);
    if (phase === "without") throw new Error(store + " loaded without " + driver);
  } catch (e) {
    if (phase !== "without" || e.code !== "ERR_MODULE_NOT_FOUND" || !e.message.includes("'" + driver + "'")) throw e;
  }
}
if (phase === "with") {
  const { IdSwitchError } = await import("idswitch");
  const { sqliteLinkStore } = await import("idswitch/stores/sqlite");
  const { postgresLinkStore } = await import("idswitch/stores/postgres");
  const { redisStateStore } = await import("idswitch/stores/redis");
  const links = sqliteLinkStore({ path: ":memory:" });
  const { created } = await links.findOrCreate({ provider: "p", tenant: "", subject: "s" }, { newAppUserId: "u", now: 1 });
  if (!created) throw new Error("sqlite store broken");
  await links.close();
  for (const make of [() => postgresLinkStore({}), () => redisStateStore({})]) {
    try { make(); throw new Error("no config error"); }
    catch (e) { if (!(e instanceof IdSwitchError) || e.code !== "config_invalid") throw e; }
  }
}
console.log("stores " + phase + " drivers ok");`,
  );
  process.stdout.write(run("node", ["stores.mjs", "without"], scratch));
  // pg and redis are plain JavaScript; better-sqlite3 is native, so link the
  // project's built copy rather than compile it again.
  run("npm", ["install", "--no-audit", "--no-fund", "--silent", "--no-save", "pg@8", "redis@5"], scratch);
  symlinkSync(
    join(root, "node_modules", "better-sqlite3"),
    join(scratch, "node_modules", "better-sqlite3"),
    "dir",
  );
  process.stdout.write(run("node", ["stores.mjs", "with"], scratch));

  writeFileSync(
    join(scratch, "consumer.ts"),
    `import { keycloak, IdSwitchError, type ErrorCode, type Principal } from "idswitch";
const eu = keycloak({ id: "eu", issuer: "https://auth.example.eu/realms/acme", clientId: "app" });
export async function check(token: string): Promise<Principal | ErrorCode> {
  try { return await eu.verifyAccessToken(token, { audience: "api" }); }
  catch (e) { if (e instanceof IdSwitchError) return e.code; throw e; }
}`,
  );
  const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
  // A consumer without Node typings: the declarations must stand on web-standard types alone.
  const compilerOptions = {
    noEmit: true,
    strict: true,
    module: "nodenext",
    moduleResolution: "nodenext",
    target: "es2022",
    lib: ["es2022", "dom"],
    types: [],
  };
  writeFileSync(join(scratch, "tsconfig.json"), JSON.stringify({ compilerOptions, files: ["consumer.ts"] }));
  run("node", [tsc, "-p", "tsconfig.json"], scratch);
  console.log("types ok");

  run("npx", ["publint", "--strict"]);
  console.log("publint ok");
  run("npx", ["attw", "--pack", ".", "--profile", "esm-only"]);
  console.log("attw ok");
} finally {
  rmSync(scratch, { recursive: true, force: true });
  for (const f of readdirSync(root)) if (f.endsWith(".tgz")) rmSync(join(root, f));
}
