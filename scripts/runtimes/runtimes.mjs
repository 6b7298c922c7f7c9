// The runtimes the packed package is proven on besides the Node that runs CI:
// Node 22 and 24 LTS, Bun, Deno and Cloudflare's workerd. Each is an npm
// package (the Node builds are `node-<platform>-<arch>`), installed at a
// pinned version into a cache outside the repo, as scripts/keycloak.mjs keeps
// Keycloak: together they are ~720 MB, which as devDependencies every
// `npm ci` would download and unpack for work that needs none of them.
//
//   node scripts/runtimes/runtimes.mjs fetch [name...]   ensure them in the cache, print their binaries
//   node scripts/runtimes/runtimes.mjs bin <name>        print one binary's path (fetching it if needed)
//
// Plain Node ESM without npm dependencies, so it runs before `npm ci` too.

import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const platform = process.platform === "win32" ? "win" : process.platform;

/** Pinned: a new release is a deliberate change here, not a surprise in CI. */
export const RUNTIMES = {
  node22: { pkg: `node-${platform}-${process.arch}`, version: "22.23.5", bin: "node" },
  node24: { pkg: `node-${platform}-${process.arch}`, version: "24.22.3", bin: "node" },
  bun: { pkg: "bun", version: "1.4.5", bin: "bun" },
  deno: { pkg: "deno", version: "2.9.6", bin: "deno" },
  workerd: { pkg: "workerd", version: "1.20261123.1", bin: "workerd" },
};

export function runtimesCacheDir() {
  const base = process.env.IDSWITCH_CACHE_DIR || path.join(os.homedir(), ".cache", "idswitch");
  return path.join(base, "runtimes");
}

/**
 * The runtime's binary, installed first if the cache lacks it. Installs into a
 * temporary folder renamed into place, so a killed run never leaves a
 * half-installed runtime that later runs would take for a complete one.
 */
export function ensureRuntime(name) {
  const runtime = RUNTIMES[name];
  if (!runtime) throw new Error(`unknown runtime ${name} (known: ${Object.keys(RUNTIMES).join(", ")})`);
  const home = path.join(runtimesCacheDir(), `${runtime.pkg}-${runtime.version}`);
  const bin = path.join(home, "node_modules", ".bin", runtime.bin);
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(path.dirname(home), { recursive: true });
  const tmp = fs.mkdtempSync(`${home}.partial-`);
  try {
    fs.writeFileSync(
      path.join(tmp, "package.json"),
      JSON.stringify({ private: true, dependencies: { [runtime.pkg]: runtime.version } }),
    );
    // Scripts must run: bun, deno and workerd pick their platform binary in a postinstall.
    execFileSync("npm", ["install", "--no-audit", "--no-fund", "--silent", "--ignore-scripts=false"], {
      cwd: tmp,
      stdio: ["ignore", "inherit", "inherit"],
    });
    fs.rmSync(home, { recursive: true, force: true });
    fs.renameSync(tmp, home);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

/** Installs the missing ones side by side (npm spends its time waiting on the network). */
export async function ensureRuntimes(names = Object.keys(RUNTIMES)) {
  const { spawn } = await import("node:child_process");
  const self = fileURLToPath(import.meta.url);
  await Promise.all(
    names.map(
      (name) =>
        new Promise((resolve, reject) => {
          const child = spawn(process.execPath, [self, "bin", name], {
            stdio: ["ignore", "ignore", "inherit"],
          });
          child.on("error", reject);
          child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fetching ${name} failed`))));
        }),
    ),
  );
  return Object.fromEntries(names.map((name) => [name, ensureRuntime(name)]));
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, ...names] = process.argv.slice(2);
  if (command === "fetch") {
    const bins = await ensureRuntimes(names.length > 0 ? names : undefined);
    for (const [name, bin] of Object.entries(bins)) console.log(`${name}\t${RUNTIMES[name].version}\t${bin}`);
  } else if (command === "bin" && names.length === 1) {
    console.log(ensureRuntime(names[0]));
  } else {
    console.error("usage: runtimes.mjs fetch [name...] | bin <name>");
    process.exit(2);
  }
}
