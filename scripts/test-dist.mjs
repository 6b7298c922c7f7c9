#!/usr/bin/env node
// Tests the artifact, not the source: build, `npm pack`, install the tarball
// into an empty folder, import every public entry point and type-check a
// consumer against the shipped declarations. Then publint and attw.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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
const { createEntraEmulator } = await import("idswitch/testing");
const emu = await createEntraEmulator();
const doc = await (await fetch(emu.authority("organizations") + "/v2.0/.well-known/openid-configuration")).json();
if (!doc.issuer.endsWith("/{tenantid}/v2.0")) throw new Error("testing entry broken");
await emu.close();
console.log("import ok");`,
  );
  process.stdout.write(run("node", ["consumer.mjs"], scratch));

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
