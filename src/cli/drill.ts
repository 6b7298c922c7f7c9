/**
 * `idswitch drill`: rehearse the loss of a provider in production. Writes a
 * failover drill into the StateStore the app instances share (Redis or
 * PostgreSQL), so every instance treats the provider as down for the cohort
 * until the drill ends by itself; `--status` shows it, `--end` stops it. The
 * provider itself is never contacted: the configuration only names the
 * providers, so a mistyped id is refused.
 */
import {
  createIdentity,
  type Drill,
  IdSwitchError,
  identityOptionsFromConfig,
  type StateStore,
} from "idswitch";
import { readConfig, withSources } from "../config/node.js";
import { nodeFetch } from "../node/fetch.js";
import { parseArgs, stringFlag, UsageError } from "./args.js";
import { type CommandIo, errorLine } from "./io.js";
import { printIssues } from "./issues.js";

export const DRILL_HELP = `Usage: idswitch drill --provider <id> --minutes <n> [--percent <p>] (--redis <url> [--prefix <p>] | --postgres <url> [--schema <s>])
       idswitch drill --provider <id> --end    (same store options)
       idswitch drill --status                 (same store options)

Treats a provider as down for a share of app users — their sign-ins go to the next provider, their sessions
there are refused with provider_unavailable (reason "drill") and the alternatives — without touching it, so you
can rehearse the loss of Microsoft in production and watch the events. Every app instance sharing the store
(the Redis or PostgreSQL StateStore of createIdentity) rehearses together; the drill ends by itself.

Options:
  --provider <id>   a provider of the configuration (--config, as for doctor)
  --minutes <n>     how long, 1–1440 (it ends by itself)
  --percent <p>     the share of app users, 0.01–100 (default 100: everyone, the application's own tokens too)
  --end             end the provider's drill now
  --status          show the drills in force
  --redis <url>     the app's Redis StateStore, with --prefix if the app gives one
  --postgres <url>  the app's PostgreSQL StateStore, with --schema if the app gives one (default idswitch)
  --config <file>   the configuration file (default: IDSWITCH_CONFIG, else IDSWITCH_CONFIG_FILE, else
                    ./idswitch.config.json; IDSWITCH__* variables override it key by key)
  --json            the drills as JSON

Exit code: 0 done, 2 usage or configuration error, 3 the store did not answer.`;

const SPEC = {
  provider: "string",
  minutes: "string",
  percent: "string",
  end: "boolean",
  status: "boolean",
  redis: "string",
  prefix: "string",
  postgres: "string",
  schema: "string",
  config: "string",
  json: "boolean",
} as const;

export async function runDrill(io: CommandIo): Promise<number> {
  const error = errorLine(io);
  let request: DrillRequest;
  try {
    request = drillRequest(io.args);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    error(`idswitch drill: ${err.message}\n\n${DRILL_HELP}`);
    return 2;
  }
  if (request.help) {
    io.write(DRILL_HELP);
    return 0;
  }
  let options: ReturnType<typeof identityOptionsFromConfig>;
  try {
    const config = await readConfig(request.config, io.env);
    try {
      // A Node command: the fetch that keeps each provider's connect budget (connectTimeoutMs), as loadConfig does.
      options = identityOptionsFromConfig(config.document, { env: io.env, fetch: nodeFetch() });
    } catch (err) {
      throw withSources(err, config);
    }
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    printIssues(err, request.json, io.write);
    return 2;
  }
  const ids = options.providers.map((p) => p.id);
  if (request.provider !== undefined && !ids.includes(request.provider)) {
    error(`idswitch drill: --provider "${request.provider}" is not in the configuration (${ids.join(", ")})`);
    return 2;
  }
  let state: StateStore;
  try {
    state = await openStore(request);
  } catch (err) {
    error(`idswitch drill: cannot open the store: ${(err as Error).message}`);
    return 2;
  }
  // The app's routing, on the app's store; no health checks: this process only writes and reads the drill.
  const identity = createIdentity({ ...options, routing: { ...options.routing, health: false }, state });
  try {
    if (request.action === "start") {
      const drill = await identity.drill({
        provider: request.provider as string,
        until: Date.now() + request.minutes * 60_000,
        cohort: { percent: request.percent },
      });
      io.write(request.json ? JSON.stringify(drill) : startedLine(drill));
    } else if (request.action === "end") {
      await identity.endDrill(request.provider as string);
      io.write(
        request.json ? JSON.stringify({ ended: request.provider }) : `drill of ${request.provider} ended`,
      );
    } else {
      const drills = await identity.drills();
      if (request.json) io.write(JSON.stringify(drills));
      else io.write(drills.length === 0 ? "no drill in force" : drills.map(startedLine).join("\n"));
    }
    return 0;
  } catch (err) {
    error(`idswitch drill: the store did not answer: ${(err as Error).message}`);
    return 3;
  } finally {
    await identity.close();
    await state.close?.();
  }
}

type DrillRequest =
  | { readonly help: true; readonly json: false; readonly config: undefined; readonly action: "help" }
  | {
      readonly help: false;
      readonly action: "start" | "end" | "status";
      readonly provider: string | undefined;
      readonly minutes: number;
      readonly percent: number;
      readonly json: boolean;
      readonly config: string | undefined;
      readonly redis: string | undefined;
      readonly prefix: string | undefined;
      readonly postgres: string | undefined;
      readonly schema: string | undefined;
    };

function drillRequest(args: readonly string[]): DrillRequest {
  const parsed = parseArgs(args, SPEC);
  if (parsed.flags.help) return { help: true, json: false, config: undefined, action: "help" };
  if (parsed.positionals.length > 0) throw new UsageError(`unexpected argument ${parsed.positionals[0]}`);
  const end = parsed.flags.end === true;
  const status = parsed.flags.status === true;
  if (end && status) throw new UsageError("--end and --status do not go together");
  const action = end ? "end" : status ? "status" : "start";
  const provider = stringFlag(parsed, "provider");
  if (action !== "status" && provider === undefined) throw new UsageError("--provider is required");
  const redis = stringFlag(parsed, "redis");
  const postgres = stringFlag(parsed, "postgres");
  if ((redis === undefined) === (postgres === undefined))
    throw new UsageError("give the app's shared store: --redis <url> or --postgres <url> (one of them)");
  const minutesText = stringFlag(parsed, "minutes");
  const minutes = Number(minutesText);
  if (
    action === "start" &&
    (minutesText === undefined || !Number.isInteger(minutes) || minutes < 1 || minutes > 1440)
  )
    throw new UsageError(`--minutes needs a whole number from 1 to 1440, got ${minutesText ?? "nothing"}`);
  const percentText = stringFlag(parsed, "percent");
  const percent = percentText === undefined ? 100 : Number(percentText);
  if (!Number.isFinite(percent) || percent < 0.01 || percent > 100)
    throw new UsageError(`--percent needs a number from 0.01 to 100, got ${percentText}`);
  return {
    help: false,
    action,
    provider,
    minutes,
    percent,
    json: parsed.flags.json === true,
    config: stringFlag(parsed, "config"),
    redis,
    prefix: stringFlag(parsed, "prefix"),
    postgres,
    schema: stringFlag(parsed, "schema"),
  };
}

async function openStore(request: Extract<DrillRequest, { help: false }>): Promise<StateStore> {
  if (request.redis !== undefined) {
    const { redisStateStore } = await import("../stores/redis/index.js");
    return redisStateStore({ url: request.redis, prefix: request.prefix });
  }
  const { postgresStateStore } = await import("../stores/postgres/index.js");
  return postgresStateStore({
    connectionString: request.postgres as string,
    maxConnections: 1,
    ...(request.schema ? { schema: request.schema } : {}),
  });
}

function startedLine(drill: Drill): string {
  const minutes = Math.round((drill.until - Date.now()) / 60_000);
  const who =
    drill.percent >= 100 ? "everyone (and the application's own tokens)" : `${drill.percent} % of app users`;
  return `drill of ${drill.provider}: treated as down for ${who} until ${new Date(drill.until).toISOString()} (${minutes} min left)`;
}
