/**
 * `idswitch readiness`: the exit-readiness report — for every Entra user,
 * could they sign in at Keycloak tomorrow, as the same person with the same
 * groups and roles? A table for people, `--json` for machines, and an exit
 * code a pipeline can gate a migration on.
 *
 * People disabled at Entra are listed but do not fail the check: they are
 * not expected to sign in anywhere, and a directory always has some. The
 * mirror's quarantine (disables at Entra it did not copy, read from its
 * checkpoint file) is listed too, and so are the onboarding campaign's
 * invitations (the funnel), what people would sign in with, and who could
 * only recover through a mailbox at a domain marked at risk. `--html` writes
 * the same as one self-contained page for the people who decide.
 */
import { writeFile } from "node:fs/promises";
import { resolve } from "node:path";
import { formatReadiness, type ReadinessReport, readiness, readinessHtml } from "idswitch/directory";
import { parseArgs, stringFlag, UsageError } from "./args.js";
import { EXIT, exitCodeFor, loadDirectory } from "./directory.js";
import { FileStateStore } from "./file-state.js";
import { type CommandIo, errorLine } from "./io.js";

export const READINESS_HELP = `Usage: idswitch readiness [--config <file>] [--json] [--html <file>] [--max-gaps <n>]
                         [--recovery-at-risk <domain,...>]

For every Entra user: could they sign in at Keycloak tomorrow? That takes an account there (found by the
mirrored Entra id), enabled, with a credential or a linked identity provider, a verified e-mail, and the
same groups and app roles. Reads both sides (the "directory" section of the configuration); writes to neither.
Also lists the people the mirror keeps quarantined (disabled at Entra by someone not on
"disables.trustedInitiators", still enabled at Keycloak), from the mirror's checkpoint file
(directory.state.file, else .idswitch/mirror-state.json). Counts what people would sign in with (passkey,
one-time code, password, linked identity provider, nothing yet) and the onboarding funnel (mirrored, invited
by idswitch onboard, registered).

Options:
  --config <file>   the configuration file (default: IDSWITCH_CONFIG, else IDSWITCH_CONFIG_FILE, else
                    ./idswitch.config.json; IDSWITCH__* variables override it key by key)
  --json            the whole report as JSON on standard output
  --html <file>     also write the report as a self-contained web page (no script, loads nothing): the
                    funnel and what people would sign in with as bars, for the people who decide
  --max-gaps <n>    people listed in the table (default 50; --json lists everyone)
  --recovery-at-risk <domain,...>
                    e-mail domains that may go with the Entra tenant (mail hosted there): people enabled at
                    Entra with no passkey, one-time code or linked identity provider, whose e-mail is at one
                    of them (or a subdomain), are listed as their only recovery is that mailbox

Exit code: 0 everyone enabled at Entra is ready, 1 someone enabled at Entra is not (people disabled at Entra
are listed but do not count), 2 usage or configuration error, 3 Entra or Keycloak failed.`;

const SPEC = {
  config: "string",
  json: "boolean",
  html: "string",
  "max-gaps": "string",
  "recovery-at-risk": "string",
} as const;

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
    const recoveryAtRisk = domains(stringFlag(parsed, "recovery-at-risk"));
    const html = stringFlag(parsed, "html");
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
      recoveryAtRisk,
    });
    const blocking = notReady(report);
    if (html !== undefined) {
      const title = `Entra tenant ${loaded.config.source.tenantId} → Keycloak realm ${loaded.config.target.realm}`;
      await writePage(resolve(html), readinessHtml(report, { title }));
      // Standard error: with --json, standard output is the JSON and nothing else.
      error(`idswitch readiness: the web page is in ${resolve(html)}`);
    }
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

/** A folder that does not exist or cannot be written is the operator's to fix (exit 2), not a failed provider. */
async function writePage(path: string, page: string): Promise<void> {
  try {
    await writeFile(path, page);
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? "not written";
    throw new UsageError(`--html: cannot write ${path} (${why})`, { help: false });
  }
}

/** `contoso.com,fabrikam.com` → both; the library checks each is a domain. */
function domains(text: string | undefined): string[] {
  if (text === undefined) return [];
  const list = text
    .split(",")
    .map((d) => d.trim())
    .filter((d) => d !== "");
  if (list.length === 0) throw new UsageError("--recovery-at-risk needs a domain, such as contoso.com");
  return list;
}

function count(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new UsageError("--max-gaps needs a whole number");
  return Number(text);
}
