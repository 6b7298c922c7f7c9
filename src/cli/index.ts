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
  demo      play the failover story on this machine (Entra ID emulator + an EU Keycloak);
            --open keeps the demo app running to click through it in a browser
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
  if (command === "demo") return demoCommand(rest, write);
  process.stderr.write(`idswitch: unknown command "${command}"\n\n${HELP}`);
  return 2;
}

const DEMO_HELP = `Usage: idswitch demo [--open [--port <n>]] [--lite]

Plays the failover story with timings and exits 0 when every step happened as told.
The EU spare is the real Keycloak when KEYCLOAK_URL is set, the test bed answers on
localhost:18180, or the distribution cached by \`npm test\` can be started; otherwise
the Keycloak-lite emulator.

Options:
  --lite        use the Keycloak-lite emulator even when a real Keycloak is at hand
  --open        keep the demo app running on http://localhost:3000 and click through the story in a browser
  --port <n>    the port for --open (default 3000; the Keycloak test bed admits 3000 only)
`;

async function demoCommand(args: readonly string[], write: (line: string) => void): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    write(DEMO_HELP);
    return 0;
  }
  let open = false;
  let lite = false;
  let port = 3000;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--open") open = true;
    else if (arg === "--lite") lite = true;
    else if (arg === "--port") {
      port = Number(args[++i]);
      if (!Number.isInteger(port) || port < 1 || port > 65535) {
        process.stderr.write(
          `idswitch demo: --port needs a port number (1–65535), got ${args[i] ?? "nothing"}\n`,
        );
        return 2;
      }
    } else {
      process.stderr.write(`idswitch demo: unknown option ${arg}\n\n${DEMO_HELP}`);
      return 2;
    }
  }
  if (!open) return runDemo({ env: process.env, write, lite });
  const stop = new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  return runDemo({ env: process.env, write, lite, open: { port, stop } });
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
