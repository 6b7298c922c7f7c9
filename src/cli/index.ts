#!/usr/bin/env node
/**
 * The `idswitch` command line. Each command reads what it needs from its
 * arguments and the environment here, at the edge; the library never reads
 * `process.env` itself.
 */
import { runDemo } from "./demo/run.js";
import { runDoctor } from "./doctor.js";

const HELP = `Usage: idswitch <command> [options]

Commands:
  demo      play the failover story on this machine (Entra ID emulator + an EU Keycloak)
  doctor    validate the configuration and probe every provider (--config <file>, --json)
  help      show this help

Environment:
  KEYCLOAK_URL  a running idswitch Keycloak test bed for the demo (npm run keycloak -- start);
                without it the demo uses the Keycloak-lite emulator
`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  const write = (line: string) => process.stdout.write(`${line}\n`);
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    write(HELP);
    return command === undefined ? 1 : 0;
  }
  if (command === "doctor") return runDoctor({ args: rest, env: process.env, write });
  if (command === "demo") {
    if (rest.includes("--help")) {
      write("Usage: idswitch demo\n\nPlays the failover story and exits 0 when every step happened as told.");
      return 0;
    }
    const unknown = rest.find((arg) => arg.startsWith("-"));
    if (unknown) {
      process.stderr.write(`idswitch demo: unknown option ${unknown}\n`);
      return 2;
    }
    return runDemo({ env: process.env, write });
  }
  process.stderr.write(`idswitch: unknown command "${command}"\n\n${HELP}`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`idswitch: ${(err as Error).message}\n`);
    process.exitCode = 1;
  },
);
