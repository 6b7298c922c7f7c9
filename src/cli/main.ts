/**
 * The `idswitch` command line: one function from arguments to an exit code,
 * with the environment and the output streams passed in, so tests run the
 * real commands in-process. Each command reads what it needs here, at the
 * edge; the library never reads `process.env` itself.
 */
import { demoCommand } from "./demo/command.js";
import { runDoctor } from "./doctor.js";
import { runDrill } from "./drill.js";
import { runInit } from "./init.js";
import type { CommandIo } from "./io.js";
import { runMirror } from "./mirror.js";
import { runOnboard } from "./onboard.js";
import { runReadiness } from "./readiness.js";

export const HELP = `Usage: idswitch <command> [options]

Commands:
  demo        play the failover story on this machine (Entra ID emulator + an EU Keycloak);
              --open keeps the demo app running to click through it in a browser
  init        write a starter idswitch.config.json (Entra ID + an EU Keycloak) and print what to create at each
  doctor      validate the configuration and probe every provider
  drill       rehearse the loss of a provider: treat it as down for a share of app users, for some minutes,
              on every app instance sharing the Redis or PostgreSQL store (--status, --end)
  mirror      copy Entra users, groups and app roles into Keycloak: mirror plan | mirror apply
  onboard     e-mail mirrored people without a credential at Keycloak a link to register a passkey:
              onboard plan | onboard send (in batches, rate-limited, with reminders)
  readiness   who could sign in at Keycloak tomorrow, and what stops the others
  help        show this help

"idswitch <command> --help" shows a command's options.

Configuration (doctor, drill, mirror, onboard, readiness): --config <file>; else the JSON in IDSWITCH_CONFIG; else
the file named by IDSWITCH_CONFIG_FILE; else ./idswitch.config.json. IDSWITCH__<path> variables ("__" between keys,
numbers index lists, e.g. IDSWITCH__routing__order__0=eu) override it key by key, or configure alone.
Secrets are never written there: { "env": "NAME" } names the variable that holds each one.

Exit codes: 0 all well; 1 a problem found (doctor: a provider; readiness: someone not ready; mirror apply:
stopped by the mass-disable brake; onboard plan: the realm cannot send e-mail; onboard send: interrupted);
2 usage or configuration error; 3 Entra or Keycloak failed (mirror, onboard, readiness).

Environment:
  KEYCLOAK_URL  a running idswitch Keycloak test bed for the demo (npm run keycloak -- start); without it
                the demo uses the test bed on localhost:18180, else starts the distribution \`npm test\` cached
                (and stops it after), else the Keycloak-lite emulator`;

export async function main(argv: readonly string[], io: Omit<CommandIo, "args">): Promise<number> {
  const [command, ...args] = argv;
  if (command === undefined || command === "help" || command === "--help" || command === "-h") {
    io.write(HELP);
    return command === undefined ? 2 : 0;
  }
  if (command === "init") return runInit({ ...io, args });
  if (command === "doctor") return runDoctor({ args, env: io.env, write: io.write });
  if (command === "drill") return runDrill({ ...io, args });
  if (command === "mirror") return runMirror({ ...io, args });
  if (command === "onboard") return runOnboard({ ...io, args });
  if (command === "readiness") return runReadiness({ ...io, args });
  if (command === "demo") return demoCommand({ ...io, args });
  io.stderr.write(`idswitch: unknown command "${command}"\n\n${HELP}\n`);
  return 2;
}
