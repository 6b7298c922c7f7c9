/**
 * `idswitch readiness`: the exit-readiness report — for every Entra user,
 * could they sign in at Keycloak tomorrow, as the same person with the same
 * groups and roles? A table for people, `--json` for machines, and an exit
 * code a pipeline can gate a migration on.
 *
 * People disabled at Entra are listed but do not fail the check: they are
 * not expected to sign in anywhere, and a directory always has some. The
 * mirror's quarantine (disables at Entra it did not copy, read from its
 * checkpoint file) is listed too.
 */
import { formatReadiness, type ReadinessReport, readiness } from "idswitch/directory";
import { parseArgs, stringFlag, UsageError } from "./args.js";
import { EXIT, exitCodeFor, loadDirectory } from "./directory.js";
import { FileStateStore } from "./file-state.js";
import { type CommandIo, errorLine } from "./io.js";

export const READINESS_HELP = `Usage: idswitch readiness [--config <file>] [--json] [--max-gaps <n>]

For every Entra user: could they sign in at Keycloak tomorrow? That takes an account there (found by the
mirrored Entra id), enabled, with a credential or a linked identity provider, a verified e-mail, and the
same groups and app roles. Reads both sides (the "directory" section of the configuration); writes nothing.
Also lists the people the mirror keeps quarantined (disabled at Entra by someone not on
"disables.trustedInitiators", still enabled at Keycloak), from the mirror's checkpoint file
(directory.state.file, else .idswitch/mirror-state.json).

Options:
  --config <file>   the configuration file (default: IDSWITCH_CONFIG, else IDSWITCH_CONFIG_FILE, else
                    ./idswitch.config.json; IDSWITCH__* variables override it key by key)
  --json            the whole report as JSON on standard output
  --max-gaps <n>    people listed in the table (default 50; --json lists everyone)

Exit code: 0 everyone enabled at Entra is ready, 1 someone enabled at Entra is not (people disabled at Entra
are listed but do not count), 2 usage or configuration error, 3 Entra or Keycloak failed.`;

const SPEC = { config: "string", json: "boolean", "max-gaps": "string" } as const;

export async function runReadiness(io: CommandIo): Promise<number> {
  const error = errorLine(io);
  let json = false;
  try {
    const parsed = parseArgs(io.args, SPEC);
    if (parsed.flags.help) {
      io.write(READINESS_HELP);
      return EXIT.ok;
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected "${parsed.positionals[0]}"`);
    json = parsed.flags.json === true;
    const maxGaps = count(stringFlag(parsed, "max-gaps"));
    const loaded = await loadDirectory({ config: stringFlag(parsed, "config") }, io.env);
    const { groups, roles, name } = loaded.config.mirror;
    // Read-only: no lock is taken, so readiness may look while a mirror run goes on.
    const state = await FileStateStore.open(loaded.statePath, { readOnly: true });
    const report = await readiness({
      source: loaded.source,
      target: loaded.target,
      groups,
      roles,
      state,
      name,
    });
    const blocking = notReady(report);
    if (json) io.write(JSON.stringify(report, null, 2));
    else {
      io.write(`idswitch readiness — ${loaded.name}`);
      io.write(
        `  Entra tenant ${loaded.config.source.tenantId} → Keycloak ${loaded.config.target.url}, realm ${loaded.config.target.realm}`,
      );
      io.write("");
      io.write(formatReadiness(report, maxGaps === undefined ? {} : { maxGaps }).trimEnd());
      io.write("");
      io.write(
        blocking === 0
          ? "Ready: everyone enabled at Entra can sign in at Keycloak."
          : `Not ready: ${blocking} ${blocking === 1 ? "person" : "people"} enabled at Entra could not sign in at Keycloak today.`,
      );
    }
    return blocking === 0 ? EXIT.ok : EXIT.found;
  } catch (err) {
    return exitCodeFor(err, {
      command: "idswitch readiness",
      help: READINESS_HELP,
      json,
      write: io.write,
      error,
    });
  }
}

/** People enabled at Entra with at least one problem: the ones who count. */
export function notReady(report: ReadinessReport): number {
  return report.gaps.filter((gap) => gap.enabledAtSource).length;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError("--max-gaps needs a whole number");
  return Number(text);
}
