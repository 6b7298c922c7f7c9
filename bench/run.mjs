/**
 * `npm run bench` (after `npm run build`): the four benchmarks of issue 4,
 * then the health checks and StateStore outage (5), against the built
 * package, then bench/RESULTS.md.
 *
 *   KEYCLOAK_URL=http://localhost:18180 npm run bench   real Keycloak (realm idswitch)
 *   npm run bench                                       local Keycloak-shaped issuer
 *   BENCH_SCALE=0.2 npm run bench                       smoke run (wiring only)
 *
 * Plain ESM importing ../dist: Node 20 runs no TypeScript, and measuring the
 * built bundle is measuring what users run. Keycloak tokens live 300 s, so
 * each benchmark mints its own just before it runs.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { benchColdStart } from "./cold-start.mjs";
import { benchFailover } from "./failover.mjs";
import { benchHealth } from "./health.mjs";
import { benchHttp } from "./http.mjs";
import { machine } from "./lib/machine.mjs";
import { msSince, SCALE } from "./lib/measure.mjs";
import { render } from "./lib/report.mjs";
import { createWorld, interleave } from "./lib/world.mjs";
import { benchOverhead } from "./overhead.mjs";
import { benchVerify } from "./verify.mjs";

const RESULTS = fileURLToPath(new URL("./RESULTS.md", import.meta.url));
const PER_ISSUER = 500;

const log = (line) => console.error(line);

/** The repo's biome formats Markdown too: format the generated file so `npm run lint` stays clean. */
function formatMarkdown(path) {
  try {
    const biome = createRequire(import.meta.url).resolve("@biomejs/biome/bin/biome");
    execFileSync(process.execPath, [biome, "format", "--write", path], { stdio: "ignore" });
  } catch (err) {
    log(`could not format ${path} with biome: ${err.message}`);
  }
}

async function main() {
  const started = process.hrtime.bigint();
  const host = machine();
  log(`bench: ${host.cpu} × ${host.cores}, Node ${host.node}, OpenSSL ${host.openssl}`);
  const world = await createWorld();
  log(`bench: Keycloak = ${world.keycloakKind}`);
  const mixed = async () =>
    interleave(await world.mintEntra(PER_ISSUER), await world.mintKeycloak(PER_ISSUER));
  try {
    log("1/5 verification throughput");
    const tokens = await mixed();
    const verify = await benchVerify(world, tokens, log);
    const overhead = await benchOverhead(world, tokens, log);
    log("2/5 HTTP API under autocannon");
    const http = await benchHttp(world, await mixed(), log);
    log("3/5 failover");
    const failover = await benchFailover(world, log);
    log("4/5 cold start");
    const [entraToken] = await world.mintEntra(1);
    const [keycloakToken] = await world.mintKeycloak(1);
    const cold = await benchColdStart(world, { entra: entraToken, keycloak: keycloakToken }, log);
    log("5/5 health checks and a StateStore outage");
    const health = await benchHealth(world, log);

    const { markdown, targets } = render({
      machine: host,
      world,
      scale: SCALE,
      elapsedS: msSince(started) / 1000,
      verify,
      http,
      failover,
      cold,
      overhead,
      health,
    });
    writeFileSync(RESULTS, markdown);
    formatMarkdown(RESULTS);
    log(`\nwrote ${RESULTS}`);
    for (const t of targets) log(`${t.ok ? "met   " : "MISSED"}  ${t.name}: ${t.value}`);
  } finally {
    await world.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
