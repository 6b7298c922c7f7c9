/**
 * What the numbers were measured on: CPU, cores, Node and OpenSSL, the
 * libuv pool size (jose's WebCrypto verification runs there), the load of
 * the machine before and after, and the versions of every library compared
 * (fast-jwt PRs #535 and #644: unpinned peers made published comparisons lie).
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import os from "node:os";

const require = createRequire(import.meta.url);

function cpuModel() {
  try {
    const line = readFileSync("/proc/cpuinfo", "utf8")
      .split("\n")
      .find((l) => l.startsWith("model name"));
    if (line) return line.split(":")[1].trim();
  } catch {
    // not Linux: fall through
  }
  return os.cpus()[0]?.model ?? "unknown";
}

function versionOf(name) {
  try {
    return require(`${name}/package.json`).version;
  } catch {
    return "not installed";
  }
}

function gitCommit() {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return "unknown";
  }
}

export function machine() {
  return {
    date: new Date().toISOString(),
    cpu: cpuModel(),
    cores: os.availableParallelism(),
    node: process.version,
    openssl: process.versions.openssl,
    v8: process.versions.v8,
    uvThreadpool: process.env.UV_THREADPOOL_SIZE ?? "4 (default)",
    loadBefore: os.loadavg(),
    commit: gitCommit(),
    libraries: Object.fromEntries(
      ["jose", "openid-client", "fast-jwt", "jsonwebtoken", "jwks-rsa", "autocannon"].map((n) => [
        n,
        versionOf(n),
      ]),
    ),
  };
}
