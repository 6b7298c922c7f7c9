/**
 * `idswitch demo`: its options, and the signals that stop `--open`. The story
 * and its emulators are imported only when the demo runs: the other commands
 * do not need them.
 */
import type { CommandIo } from "../io.js";

export const DEMO_HELP = `Usage: idswitch demo [--open [--port <n>]] [--lite]

Plays the failover story with timings and exits 0 when every step happened as told.
The EU spare is the real Keycloak when KEYCLOAK_URL is set, the test bed answers on
localhost:18180, or the distribution cached by \`npm test\` can be started; otherwise
the Keycloak-lite emulator.

Options:
  --lite        use the Keycloak-lite emulator even when a real Keycloak is at hand
  --open        keep the demo app running on http://localhost:3000 and click through the story in a browser
  --port <n>    the port for --open (default 3000; the Keycloak test bed admits 3000 only)
`;

export async function demoCommand(io: CommandIo): Promise<number> {
  const { args, write } = io;
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
        io.stderr.write(`idswitch demo: --port needs a port number (1–65535), got ${args[i] ?? "nothing"}\n`);
        return 2;
      }
    } else {
      io.stderr.write(`idswitch demo: unknown option ${arg}\n\n${DEMO_HELP}`);
      return 2;
    }
  }
  const { runDemo } = await import("./run.js");
  if (!open) return runDemo({ env: io.env, write, lite });
  const stop = new Promise((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  return runDemo({ env: io.env, write, lite, open: { port, stop } });
}
