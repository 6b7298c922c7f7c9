/**
 * `idswitch demo`: the failover story on this machine, with no configuration
 * and no network — the Entra ID emulator, and the real Keycloak when
 * KEYCLOAK_URL points at the idswitch test bed, the test bed answers, or the
 * distribution `npm test` cached can be started; otherwise the Keycloak-lite
 * emulator.
 */
import {
  exitOnSignals,
  findCachedKeycloak,
  KEYCLOAK_PORT,
  startCachedKeycloak,
  stopOnSignals,
} from "./cached-keycloak.js";
import { keycloakSpare } from "./keycloak-spare.js";
import { liteSpare } from "./lite-spare.js";
import { narrator } from "./narrator.js";
import { startOpenDemo } from "./open.js";
import type { Spare } from "./spare.js";
import { playStory } from "./story.js";

export interface DemoOptions {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly write: (line: string) => void;
  /** Use the Keycloak-lite emulator even when a real Keycloak is at hand (`--lite`). */
  readonly lite?: boolean;
  /**
   * Where a real Keycloak is looked for, and where the cached one is started (`--keycloak-port`; default
   * 18180, the test bed's). Its management interface takes this port + 10.
   */
  readonly keycloakPort?: number;
  /**
   * Keep the demo app running on this localhost port (`--open`) until `stop` settles, instead of
   * playing the story; `ready` is told the app's URL.
   */
  readonly open?: {
    readonly port: number;
    readonly stop: Promise<unknown>;
    readonly ready?: (url: string) => void;
  };
}

/** Runs the demo; resolves to the process exit code. */
export async function runDemo({
  env,
  write,
  open,
  lite = false,
  keycloakPort = KEYCLOAK_PORT,
}: DemoOptions): Promise<number> {
  const tell = narrator(write);
  const started = performance.now();
  write("idswitch demo: one application, two identity providers, and what happens when one says no.");
  const origin = `http://localhost:${open?.port ?? 3000}`;
  let spare: Spare;
  try {
    spare = await chooseSpare({ env, origin, lite, keycloakPort, write, signals: open === undefined });
  } catch (err) {
    write(`cannot prepare the EU spare: ${(err as Error).message}`);
    return 1;
  }
  if (open) {
    try {
      const app = await startOpenDemo({ spare, narrator: tell, port: open.port });
      write(`\nThe demo app is running: open ${app.url} (Ctrl+C stops it). Spare: ${spare.label}.`);
      write(
        "Sign in through Entra ID, have Microsoft disable the account, refresh, and sign in at the spare.",
      );
      open.ready?.(app.url);
      await open.stop;
      await app.close();
      return 0;
    } catch (err) {
      write(`the demo app could not start: ${(err as Error).message}`);
      return 1;
    } finally {
      await spare.close();
    }
  }
  try {
    await playStory({ narrator: tell, spare });
    write(`\nThe story played out in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    return 0;
  } catch (err) {
    write(`\nThe story broke: ${(err as Error).message}`);
    return 1;
  } finally {
    await spare.close();
  }
}

async function chooseSpare({
  env,
  origin,
  lite,
  keycloakPort,
  write,
  signals,
}: {
  env: DemoOptions["env"];
  origin: string;
  lite: boolean;
  keycloakPort: number;
  write: (line: string) => void;
  /** Stop a Keycloak the demo started on SIGINT/SIGTERM (the story; `--open` closes on them itself). */
  signals: boolean;
}): Promise<Spare> {
  const real = (url: string) =>
    keycloakSpare({
      url,
      adminUser: env.KEYCLOAK_ADMIN_USER ?? "admin",
      adminPassword: env.KEYCLOAK_ADMIN_PASSWORD ?? "admin",
      // The test bed's client `app` admits http://localhost:3000/callback only.
      redirectUri: `${origin}/callback`,
    });
  const given = env.KEYCLOAK_URL?.replace(/\/+$/, "");
  if (given) return real(given);
  const found = lite ? undefined : await findCachedKeycloak(env, keycloakPort);
  if (found?.kind === "running") return real(found.url);
  if (found?.kind === "cached") {
    write("Starting the real Keycloak 26.7.3 from the cache of `npm test` (20–90 s; --lite skips it)…");
    try {
      const started = performance.now();
      const whileStarting = signals ? exitOnSignals() : () => {};
      const server = await startCachedKeycloak(found).catch((err: unknown) => {
        whileStarting();
        throw err;
      });
      // Handed over with no moment between without a listener (Node would restore the default,
      // and a signal then ends the process, Keycloak left running), and before the announcement:
      // whoever reads it may signal at once (the e2e test does).
      const off = signals ? stopOnSignals(server) : () => {};
      whileStarting();
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      write(
        `Keycloak is up at ${server.url} in ${seconds} s (process group ${server.pid}; stopped after the demo).`,
      );
      const stop = () => {
        off();
        return server.stop();
      };
      try {
        const spare = await real(server.url);
        return { ...spare, close: () => spare.close().finally(stop) };
      } catch (err) {
        await stop();
        throw err;
      }
    } catch (err) {
      write(
        `The cached Keycloak did not start (${(err as Error).message.split("\n")[0]}); using Keycloak-lite.`,
      );
    }
  }
  // No Keycloak at hand: the Keycloak-lite emulator (the same provider contract suite passes on both).
  return liteSpare(`${origin}/callback/eu`);
}
