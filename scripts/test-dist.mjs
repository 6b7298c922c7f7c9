#!/usr/bin/env node
// Tests the artifact, not the source: clone the committed tree (no dist/, no
// stray files: what a release job has), `npm pack` there — `prepack` builds —
// install the tarball into an empty folder, import every public entry point
// and type-check a consumer against the shipped declarations. Then publint
// and attw on the clone. Uncommitted changes are not in it: commit first, or
// pass --worktree to pack the working tree's files (tracked and untracked,
// not ignored) instead — still without dist/.
//
// The same tarball, installed once, is then checked under every Node that
// `engines` admits (Node 22 and 24 from scripts/runtimes/runtimes.mjs; the
// Node running this script covers 20), and smoke-tested in Bun, Deno and
// workerd (scripts/runtimes/smoke.mjs). --no-runtimes leaves those out;
// --keep leaves the scratch folder in place and prints its path.
import { execFileSync } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ensureRuntimes } from "./runtimes/runtimes.mjs";

const root = resolve(import.meta.dirname, "..");
const run = (cmd, args, cwd = root) =>
  execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "inherit"] }).toString();

const scratch = mkdtempSync(join(tmpdir(), "idswitch-dist-"));
const source = join(scratch, "source");
const withRuntimes = !process.argv.includes("--no-runtimes");
// Fetched (or found in the cache) while the tarball is built.
const runtimes = withRuntimes ? ensureRuntimes() : Promise.resolve({});
runtimes.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
let failed = false;
try {
  const worktree = process.argv.includes("--worktree");
  if (worktree) {
    const files = run("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard"]).split("\0");
    for (const file of files.filter(Boolean)) {
      mkdirSync(dirname(join(source, file)), { recursive: true });
      try {
        copyFileSync(join(root, file), join(source, file));
      } catch (error) {
        if (error.code !== "ENOENT") throw error; // deleted in the working tree, still in the index
      }
    }
  } else {
    run("git", ["clone", "--quiet", root, source]);
    if (run("git", ["status", "--porcelain"]).trim() !== "") {
      console.log("note: uncommitted changes are not in the clean clone (--worktree packs them)");
    }
  }
  const origin = worktree
    ? "the working tree's files"
    : `commit ${run("git", ["rev-parse", "--short", "HEAD"], source).trim()} from a clean clone`;
  // The dependencies are the project's own (same lockfile); only the tree is fresh.
  symlinkSync(join(root, "node_modules"), join(source, "node_modules"), "dir");
  // `prepack` (the build) writes to the same stdout as `--json`: the report is the last JSON array.
  const packed = run("npm", ["pack", "--json", "--pack-destination", scratch], source);
  const tarball = JSON.parse(packed.slice(packed.startsWith("[") ? 0 : packed.lastIndexOf("\n[") + 1))[0];
  const shipped = tarball.files.map((f) => f.path);
  for (const forbidden of [/^src\//, /^test\//, /node_modules/, /\.env/, /\.map$/]) {
    const leaked = shipped.filter((p) => forbidden.test(p));
    if (leaked.length > 0) throw new Error(`tarball ships ${leaked.join(", ")}`);
  }
  for (const needed of ["dist/index.js", "dist/index.d.ts", "dist/cli/index.js", "README.md", "LICENSE"]) {
    if (!shipped.includes(needed)) throw new Error(`tarball lacks ${needed} (${shipped.length} files)`);
  }
  // The declarations cite documents by path (docs/reference/keycloak.md §6): each must be in the package.
  const cited = new Set();
  for (const file of shipped.filter((p) => p.endsWith(".d.ts"))) {
    for (const [path] of readFileSync(join(source, file), "utf8").matchAll(/\b[\w./-]+\.md\b/g)) {
      if (!path.startsWith("http")) cited.add(path.replace(/^\.\//, ""));
    }
  }
  const missing = [...cited].filter((path) => !shipped.includes(path) && path !== "README.md");
  if (missing.length > 0)
    throw new Error(`the declarations cite files the package lacks: ${missing.join(", ")}`);
  console.log(
    `packed ${origin}: ${shipped.length} files, ${(tarball.size / 1024).toFixed(0)} KB packed, ${(tarball.unpackedSize / 1024).toFixed(0)} KB unpacked`,
  );
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
  const { postgresLinkStore } = await import("idswitch/stores/postgres");
  const { redisStateStore } = await import("idswitch/stores/redis");
  const { sqliteLinkStore } = await import("idswitch/stores/sqlite");
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
  // Each major the redis peer range accepts (^5 || ^6); the last one stays for the runs below.
  for (const redis of ["redis@5", "redis@6"]) {
    run("npm", ["install", "--no-audit", "--no-fund", "--silent", "--no-save", "pg@8", redis], scratch);
    // npm prunes what it did not install: link the native driver again each time.
    rmSync(join(scratch, "node_modules", "better-sqlite3"), { recursive: true, force: true });
    symlinkSync(
      join(root, "node_modules", "better-sqlite3"),
      join(scratch, "node_modules", "better-sqlite3"),
      "dir",
    );
    process.stdout.write(`${redis}: ${run("node", ["stores.mjs", "with"], scratch)}`);
  }

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

  run("npx", ["publint", "--strict"], source);
  console.log("publint ok");
  run("npx", ["attw", "--pack", ".", "--profile", "esm-only"], source);
  console.log("attw ok");

  if (withRuntimes) {
    const started = performance.now();
    const bins = await runtimes;
    // Node 22 and 24: the same installed tarball, the same checks. The linked better-sqlite3
    // 12 is built for this Node's ABI; 13 (which needs Node 22+) ships prebuilt Node-API
    // binaries in its npm package, so the drivers are the latest majors here.
    run(
      "npm",
      ["install", "--no-audit", "--no-fund", "--silent", "--no-save", "pg@8", "redis@6", "better-sqlite3@13"],
      scratch,
    );
    for (const name of ["node22", "node24"]) {
      const node = bins[name];
      const version = run(node, ["--version"]).trim();
      process.stdout.write(`${version}: ${run(node, ["consumer.mjs"], scratch)}`);
      process.stdout.write(`${version}: ${run(node, ["stores.mjs", "with"], scratch)}`);
    }
    // Bun, Deno, workerd (and this Node as the control) against Keycloak-lite on loopback.
    try {
      process.stdout.write(run("node", [join(root, "scripts/runtimes/smoke.mjs"), scratch]));
    } catch (error) {
      process.stdout.write(error.stdout?.toString() ?? "");
      failed = true;
    }
    console.log(`Node 22/24 and runtime smoke: ${((performance.now() - started) / 1000).toFixed(1)} s`);
  }
} finally {
  if (process.argv.includes("--keep")) console.log(`kept ${scratch}`);
  else rmSync(scratch, { recursive: true, force: true });
}
if (failed) process.exit(1);
