/**
 * `idswitch mirror plan` and `idswitch mirror apply`: the directory mirror
 * (Entra ID → Keycloak) from the command line, configured by the `directory`
 * section, checkpointed in a JSON file so a rerun is incremental and a
 * stopped run resumes. `idswitch mirror release|confirm <upn>` settle a
 * quarantined disable (a disable at Entra the audit log does not show the
 * organisation made).
 */
import { type Mirror, mirror } from "idswitch/directory";
import { type ParsedArgs, parseArgs, stringFlag, UsageError } from "./args.js";
import { EXIT, exitCodeFor, type LoadedDirectory, loadDirectory } from "./directory.js";
import { FileStateStore } from "./file-state.js";
import { type CommandIo, errorLine } from "./io.js";
import { brakeMessage, printPlan, printResult, settledLine, unsafePolicyWarning } from "./mirror-report.js";
import { progressOn } from "./progress.js";

const CONFIG_OPTIONS = `  --config <file>     the configuration file (default: IDSWITCH_CONFIG, else IDSWITCH_CONFIG_FILE, else
                      ./idswitch.config.json; IDSWITCH__* variables override it key by key)
  --state <file>      the checkpoint file (default: directory.state.file, relative to the configuration
                      file, else .idswitch/mirror-state.json in the working folder)`;

export const MIRROR_HELP = `Usage: idswitch mirror <plan|apply> [options]
       idswitch mirror <release|confirm> <upn> [options]

Copies users, groups and app role assignments from Entra ID (Microsoft Graph) into Keycloak (its Admin API),
as the "directory" section of the configuration says, so the EU provider is a hot spare.

Commands:
  plan            what apply would write now (reads both sides, writes nothing)
  apply           write it: incremental (Graph delta) and resumable from the checkpoint file
  release <upn>   a quarantined disable: keep the person enabled at Keycloak, end the quarantine
  confirm <upn>   a quarantined disable: copy it to Keycloak (disable the person there), end the quarantine

Run "idswitch mirror <command> --help" for its options.`;

export const PLAN_HELP = `Usage: idswitch mirror plan [--config <file>] [--state <file>] [--json]

Prints what "idswitch mirror apply" would write now: the number of writes of each kind, a few examples, the
people whose state would be left for a person to decide, and whether the mass-disable brake would stop it.
Reads Entra and Keycloak; writes nothing and moves no checkpoint.

Options:
${CONFIG_OPTIONS}
  --json              the whole plan (every write) as JSON on standard output

Exit code: 0 planned (the brake, if it would hold, is in the report), 2 usage or configuration error,
3 Entra or Keycloak failed.`;

export const APPLY_HELP = `Usage: idswitch mirror apply [--config <file>] [--state <file>] [--json] [--confirm-disables]

Brings Keycloak in line with Entra: creates and updates people, groups and role grants; under policy
"propagate", disables whom Entra disabled or removed — unless that is more than the mass-disable brake allows.
Nobody is ever deleted and no password is copied. The checkpoint is saved after every page: the next run reads
only what changed, and a run that was stopped continues where it stopped. Progress goes to standard error
(a bar on a terminal, plain lines otherwise).

Options:
${CONFIG_OPTIONS}
  --json              the result as JSON on standard output
  --confirm-disables  let the disables past the brake through, once a person has looked at them
                      (idswitch mirror plan)

Exit code: 0 done, 1 stopped by the brake (nobody was disabled; confirm with --confirm-disables),
2 usage or configuration error (or the checkpoint file is in use by another run),
3 Entra or Keycloak failed (run again: it resumes from the checkpoint).`;

const settleHelp = (
  verb: "release" | "confirm",
  what: string,
) => `Usage: idswitch mirror ${verb} <upn> [--config <file>] [--state <file>] [--json]

${what}

A disable at Entra is quarantined when the directory audit log does not show that one of
"disables.trustedInitiators" made it: Microsoft's own action, an unknown initiator, no audit entry, or an
audit log that could not be read (the app needs AuditLog.Read.All). "idswitch mirror plan", "apply" and
"idswitch readiness" list quarantined people. <upn> is the person's user principal name (or their tid:oid).

Options:
${CONFIG_OPTIONS}
  --json              the settled person as JSON on standard output

Exit code: 0 settled, 1 nobody by that name is quarantined, 2 usage or configuration error (or the checkpoint
file is in use by another run), 3 Keycloak failed.`;

export const RELEASE_HELP = settleHelp(
  "release",
  `Keeps the person enabled at Keycloak and ends the quarantine: the same disable is not quarantined again.
Only a disable the audit log shows after this moment is looked at again. Writes nothing to Keycloak.`,
);

export const CONFIRM_HELP = settleHelp(
  "confirm",
  "Copies the quarantined disable to Keycloak (disables the person there) and ends the quarantine.",
);

const SPEC = { config: "string", state: "string", json: "boolean", "confirm-disables": "boolean" } as const;
const SETTLE_SPEC = { config: "string", state: "string", json: "boolean" } as const;

type Sub = "plan" | "apply" | "release" | "confirm";
const HELP: Record<Sub, string> = {
  plan: PLAN_HELP,
  apply: APPLY_HELP,
  release: RELEASE_HELP,
  confirm: CONFIRM_HELP,
};

export async function runMirror(io: CommandIo): Promise<number> {
  const error = errorLine(io);
  const [first, ...rest] = io.args;
  const sub = first !== undefined && Object.hasOwn(HELP, first) ? (first as Sub) : undefined;
  const help = sub ? HELP[sub] : MIRROR_HELP;
  const command = sub ? `idswitch mirror ${sub}` : "idswitch mirror";
  let json = false;
  try {
    const settling = sub === "release" || sub === "confirm";
    const parsed = parseArgs(sub ? rest : io.args, sub ? (settling ? SETTLE_SPEC : SPEC) : {});
    if (parsed.flags.help) {
      io.write(help);
      return EXIT.ok;
    }
    if (!sub) {
      const word = parsed.positionals[0];
      throw new UsageError(word ? `unknown command "${word}"` : "plan, apply, release or confirm?");
    }
    if (settling) {
      const [person, extra] = parsed.positionals;
      if (person === undefined) throw new UsageError("whom? name the person by their user principal name");
      if (extra !== undefined) throw new UsageError(`unexpected "${extra}"`);
      json = parsed.flags.json === true;
      const loaded = await loadDirectory(
        { config: stringFlag(parsed, "config"), state: stringFlag(parsed, "state") },
        io.env,
      );
      return await settle(sub, person, loaded, json, io);
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected "${parsed.positionals[0]}"`);
    if (sub === "plan" && parsed.flags["confirm-disables"])
      throw new UsageError("--confirm-disables is for apply: a plan writes nothing");
    json = parsed.flags.json === true;
    const loaded = await loadDirectory(
      { config: stringFlag(parsed, "config"), state: stringFlag(parsed, "state") },
      io.env,
    );
    return sub === "plan" ? await plan(loaded, json, io) : await apply(loaded, parsed, io);
  } catch (err) {
    return exitCodeFor(err, { command, help, json, write: io.write, error });
  }
}

function describeSides(loaded: LoadedDirectory, write: (line: string) => void): void {
  const { source, target, mirror: options } = loaded.config;
  write(`  from  Entra tenant ${source.tenantId} (${source.graphUrl ?? "https://graph.microsoft.com"})`);
  write(`  to    Keycloak ${target.url}, realm ${target.realm}`);
  write(`  disables ${describeDisables(options)}; checkpoint ${loaded.statePath}`);
  const warning = unsafePolicyWarning(options);
  if (warning) write(`  ⚠ ${warning}`);
  write("");
}

function describeDisables(options: LoadedDirectory["config"]["mirror"]): string {
  const given = options.disables ?? options.policy;
  if (typeof given === "string" || given === undefined) return String(given);
  const n = given.trustedInitiators?.length ?? 0;
  return `${given.policy}, ${n} trusted initiator${n === 1 ? "" : "s"} (audit log checked)`;
}

async function settle(
  sub: "release" | "confirm",
  person: string,
  loaded: LoadedDirectory,
  json: boolean,
  io: CommandIo,
): Promise<number> {
  const state = await FileStateStore.open(loaded.statePath);
  try {
    const run = mirror({ source: loaded.source, target: loaded.target, state, ...loaded.config.mirror });
    const settled = sub === "release" ? await run.release(person) : await run.confirm(person);
    if (!settled) {
      if (json) io.write(JSON.stringify({ settled: null, person }, null, 2));
      errorLine(io)(
        `idswitch mirror ${sub}: ${person} is not quarantined (idswitch mirror plan lists who is; checkpoint ${loaded.statePath})`,
      );
      return EXIT.found;
    }
    if (json)
      io.write(
        JSON.stringify({ settled: sub === "release" ? "released" : "confirmed", person: settled }, null, 2),
      );
    else io.write(settledLine(sub, settled));
    return EXIT.ok;
  } finally {
    await state.close();
  }
}

function start(loaded: LoadedDirectory, state: FileStateStore, io: CommandIo, label: string) {
  const progress = progressOn(io.stderr, label);
  const run: Mirror = mirror({
    source: loaded.source,
    target: loaded.target,
    state,
    ...loaded.config.mirror,
    onProgress: (p) => progress.update(p),
  });
  return { run, progress };
}

async function plan(loaded: LoadedDirectory, json: boolean, io: CommandIo): Promise<number> {
  // Read-only: a plan moves no checkpoint, and may look while an apply runs.
  const state = await FileStateStore.open(loaded.statePath, { readOnly: true });
  const { run, progress } = start(loaded, state, io, "mirror plan");
  const result = await run.plan();
  progress.finish(`${result.writes} writes planned`);
  if (json) io.write(JSON.stringify(result, null, 2));
  else {
    io.write(`idswitch mirror plan — ${loaded.name}`);
    describeSides(loaded, io.write);
    printPlan(result, io.write);
  }
  return EXIT.ok;
}

async function apply(loaded: LoadedDirectory, parsed: ParsedArgs, io: CommandIo): Promise<number> {
  const state = await FileStateStore.open(loaded.statePath);
  try {
    const { run, progress } = start(loaded, state, io, "mirror apply");
    let result: Awaited<ReturnType<Mirror["apply"]>>;
    try {
      result = await run.apply({ confirmDisables: parsed.flags["confirm-disables"] === true });
    } catch (err) {
      progress.finish("failed; run again to resume from the checkpoint");
      throw err;
    }
    progress.finish(result.status === "braked" ? "stopped by the brake" : `${result.writes} writes`);
    if (parsed.flags.json) {
      io.write(JSON.stringify(result, null, 2));
      const warning = unsafePolicyWarning(loaded.config.mirror);
      if (warning) io.stderr.write(`idswitch mirror apply: ${warning}\n`);
      if (result.brake && result.status === "braked") io.stderr.write(`${brakeMessage(result.brake)}\n`);
    } else {
      io.write(`idswitch mirror apply — ${loaded.name}`);
      describeSides(loaded, io.write);
      printResult(result, loaded.statePath, io.write);
    }
    return result.status === "braked" ? EXIT.found : EXIT.ok;
  } finally {
    await state.close();
  }
}
