/**
 * `idswitch demo`: its options, and the signals that stop `--open`. The story
 * and its emulators are imported only when the demo runs: the other commands
 * do not need them.
 */
import { type FlagSpec, parseArgs, stringFlag, UsageError } from "../args.js";
import type { CommandIo } from "../io.js";

export const DEMO_HELP = `Usage: idswitch demo [--open [--port <n>]] [--lite] [--keycloak-port <n>]

Plays the failover story with timings and exits 0 when every step happened as told.
The EU spare is the real Keycloak when KEYCLOAK_URL is set, the test bed answers on
localhost:18180 (or --keycloak-port), or the distribution cached by \`npm test\` can be
started there (and is stopped after the demo); otherwise the Keycloak-lite emulator.

Options:
  --lite               use the Keycloak-lite emulator even when a real Keycloak is at hand
  --open               keep the demo app running on http://localhost:3000 and click through the story in a browser
  --port <n>           the port for --open (default 3000; the Keycloak test bed admits 3000 only)
  --keycloak-port <n>  where the real Keycloak is looked for and the cached one started (default 18180;
                       its management interface takes the port + 10)
`;

const SPEC: FlagSpec = { open: "boolean", lite: "boolean", port: "string", "keycloak-port": "string" };

export async function demoCommand(io: CommandIo): Promise<number> {
  const { write } = io;
  let options: { open: boolean; lite: boolean; port: number; keycloakPort: number | undefined };
  try {
    const parsed = parseArgs(io.args, SPEC);
    if (parsed.flags.help) {
      write(DEMO_HELP);
      return 0;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
    const keycloakPort = stringFlag(parsed, "keycloak-port");
    options = {
      open: parsed.flags.open === true,
      lite: parsed.flags.lite === true,
      port: portNumber("--port", stringFlag(parsed, "port") ?? "3000"),
      keycloakPort: keycloakPort === undefined ? undefined : portNumber("--keycloak-port", keycloakPort),
    };
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`idswitch demo: ${err.message}\n\n${DEMO_HELP}`);
    return 2;
  }
  const { runDemo } = await import("./run.js");
  const { open, lite, port, keycloakPort } = options;
  const common = { env: io.env, write, lite, ...(keycloakPort === undefined ? {} : { keycloakPort }) };
  if (!open) return runDemo(common);
  const stop = new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  return runDemo({ ...common, open: { port, stop } });
}

function portNumber(option: string, text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port < 1 || port > 65535) {
    throw new UsageError(`${option} needs a port number (1–65535), got ${text}`);
  }
  return port;
}
