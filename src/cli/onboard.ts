/**
 * `idswitch onboard plan` and `idswitch onboard send`: the passkey
 * onboarding campaign from the command line. Mirrored people without a
 * credential at Keycloak get its execute-actions e-mail asking them to
 * register a passkey, a batch per run, at a bounded rate, with a reminder
 * each period; who was e-mailed and when is recorded in the mirror's
 * checkpoint file, so a rerun goes on where the last one stopped.
 */
import {
  type OnboardOptionsInput,
  type OnboardPlan,
  type OnboardProgress,
  type OnboardResult,
  onboard,
} from "idswitch/directory";
import { type ParsedArgs, parseArgs, stringFlag, UsageError } from "./args.js";
import { EXIT, exitCodeFor, type LoadedDirectory, loadDirectory } from "./directory.js";
import { FileStateStore } from "./file-state.js";
import { type CommandIo, errorLine } from "./io.js";
import type { ProgressStream } from "./progress.js";

const OPTIONS = `  --config <file>         the configuration file (default: IDSWITCH_CONFIG, else IDSWITCH_CONFIG_FILE, else
                          ./idswitch.config.json; IDSWITCH__* variables override it key by key)
  --state <file>          the mirror's checkpoint file, where the invitations are recorded too (default:
                          directory.state.file, else .idswitch/mirror-state.json)
  --batch <n>             e-mails (invitations and reminders) per run (default 500)
  --rate <n>/s            e-mails per second at most, or per minute: 300/min (default 10/s)
  --remind-after <time>   a reminder to whoever was e-mailed this long ago and still has no credential,
                          once per period: 7d, 36h, 90m (default 7d)
  --max-reminders <n>     reminders per person at most (default: no limit; 0: none)
  --lifespan <time>       how long the link in the e-mail works (default: as long as --remind-after, so a
                          fresh link arrives when the last one expires)
  --with-password         ask for a password too (UPDATE_PASSWORD), after the passkey
  --client-id <id>        the client the person is sent back to once done …
  --redirect-uri <url>    … at this URL (a valid redirect URI of that client)
  --json                  the plan or the result as JSON on standard output`;

export const ONBOARD_HELP = `Usage: idswitch onboard <plan|send> [options]

The passkey onboarding campaign: every person the mirror copied to Keycloak who has no credential there (no
password, no passkey, no linked identity provider) gets Keycloak's e-mail "Update Your Account" with a link
to register a passkey (required action webauthn-register-passwordless). Never e-mailed: people disabled at
Keycloak or at Entra, and people the mirror keeps quarantined. The realm needs an SMTP server
(Realm settings → Email).

Commands:
  plan    what send would do now: the next batch, who is skipped and why (sends nothing)
  send    send the next batch: reminders due first, then invitations; recorded after every few e-mails

Run "idswitch onboard <command> --help" for its options.`;

export const ONBOARD_PLAN_HELP = `Usage: idswitch onboard plan [options]

Shows what "idswitch onboard send" would do now: how many people are due an invitation or a reminder, the next
batch, the people skipped and why, and any realm setting that would stop the e-mails. Reads Keycloak, Entra
and the checkpoint file; sends nothing, records nothing.

Options:
${OPTIONS}

Exit code: 0 planned, 1 the realm cannot send (no SMTP server, a required action disabled), 2 usage or
configuration error, 3 Entra or Keycloak failed.`;

export const ONBOARD_SEND_HELP = `Usage: idswitch onboard send [options]

Sends the next batch of e-mails through Keycloak (execute-actions e-mail) at the given rate and records each
person invited (when, how many reminders) in the checkpoint file. A run that is stopped (Ctrl-C, a crash)
goes on at the next run; nobody gets the same e-mail twice: people whose e-mail was on its way when a run was
killed are counted as sent (listed as "in doubt"), and get a reminder after --remind-after. Progress goes to
standard error (a bar on a terminal, plain lines otherwise).

Options:
${OPTIONS}

Exit code: 0 sent, 1 interrupted (what was sent is recorded; run again to go on), 2 usage or configuration
error (the realm cannot send, or the checkpoint file is in use by another run), 3 Entra or Keycloak failed
(run again to go on).`;

/** The flags of `onboard plan|send`. */
export const ONBOARD_FLAGS = {
  config: "string",
  state: "string",
  json: "boolean",
  batch: "string",
  rate: "string",
  "remind-after": "string",
  "max-reminders": "string",
  lifespan: "string",
  "with-password": "boolean",
  "client-id": "string",
  "redirect-uri": "string",
} as const;

type Sub = "plan" | "send";
const HELP: Record<Sub, string> = { plan: ONBOARD_PLAN_HELP, send: ONBOARD_SEND_HELP };

export async function runOnboard(io: CommandIo): Promise<number> {
  const [first, ...rest] = io.args;
  const sub = first !== undefined && Object.hasOwn(HELP, first) ? (first as Sub) : undefined;
  const help = sub ? HELP[sub] : ONBOARD_HELP;
  const command = sub ? `idswitch onboard ${sub}` : "idswitch onboard";
  let json = false;
  try {
    const parsed = parseArgs(sub ? rest : io.args, sub ? ONBOARD_FLAGS : {});
    if (parsed.flags.help) {
      io.write(help);
      return EXIT.ok;
    }
    if (!sub) {
      const word = parsed.positionals[0];
      throw new UsageError(word ? `unknown command "${word}"` : "plan or send?");
    }
    if (parsed.positionals.length > 0) throw new UsageError(`unexpected "${parsed.positionals[0]}"`);
    json = parsed.flags.json === true;
    const campaign = campaignOptions(parsed);
    const loaded = await loadDirectory(
      { config: stringFlag(parsed, "config"), state: stringFlag(parsed, "state") },
      io.env,
    );
    return sub === "plan" ? await plan(loaded, campaign, json, io) : await send(loaded, campaign, json, io);
  } catch (err) {
    return exitCodeFor(err, { command, help, json, write: io.write, error: errorLine(io) });
  }
}

type Campaign = Omit<OnboardOptionsInput, "source" | "target" | "state">;

/** The flags as `onboard()` options; a malformed value is a usage error, before anything is read. */
export function campaignOptions(parsed: ParsedArgs): Campaign {
  const flag = (name: string) => stringFlag(parsed, name);
  const batch = flag("batch");
  const rate = flag("rate");
  const remind = flag("remind-after");
  const max = flag("max-reminders");
  const lifespan = flag("lifespan");
  const clientId = flag("client-id");
  const redirectUri = flag("redirect-uri");
  if (redirectUri !== undefined && clientId === undefined)
    throw new UsageError("--redirect-uri needs --client-id (Keycloak checks the URI against that client)");
  return {
    withPassword: parsed.flags["with-password"] === true,
    ...(batch === undefined ? {} : { batch: whole("--batch", batch, 1) }),
    ...(rate === undefined ? {} : { ratePerSecond: perSecond(rate) }),
    ...(remind === undefined ? {} : { remindAfterSeconds: seconds("--remind-after", remind) }),
    ...(max === undefined ? {} : { maxReminders: whole("--max-reminders", max, 0) }),
    ...(lifespan === undefined ? {} : { lifespanSeconds: Math.round(seconds("--lifespan", lifespan)) }),
    ...(clientId === undefined ? {} : { clientId }),
    ...(redirectUri === undefined ? {} : { redirectUri }),
  };
}

function whole(name: string, text: string, min: number): number {
  if (!/^\d+$/.test(text) || Number(text) < min)
    throw new UsageError(`${name} needs a whole number ≥ ${min}`);
  return Number(text);
}

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, min: 60, h: 3600, d: 86_400, w: 604_800 };

/** `7d`, `36h`, `90m`, `45s`, `2w` → seconds. */
export function seconds(name: string, text: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|min|h|d|w)$/.exec(text.trim());
  if (!match || Number(match[1]) <= 0)
    throw new UsageError(`${name} needs a duration such as 7d, 36h, 90m or 45s`);
  return Number(match[1]) * (UNIT_SECONDS[match[2] as string] as number);
}

/** `10/s`, `10`, `300/min`, `600/m`, `3600/h` → e-mails per second. */
export function perSecond(text: string): number {
  const match = /^(\d+(?:\.\d+)?)(?:\/(s|m|min|h))?$/.exec(text.trim());
  const value = Number(match?.[1]);
  if (!match || value <= 0) throw new UsageError("--rate needs a rate such as 10/s or 300/min");
  const per = UNIT_SECONDS[match[2] ?? "s"] as number;
  const rate = value / per;
  if (rate > 1000) throw new UsageError("--rate: at most 1000/s");
  return rate;
}

function header(loaded: LoadedDirectory, title: string, io: CommandIo): void {
  const { target } = loaded.config;
  io.write(`${title} — ${loaded.name}`);
  io.write(`  Keycloak ${target.url}, realm ${target.realm}; checkpoint ${loaded.statePath}`);
  io.write("");
}

async function plan(
  loaded: LoadedDirectory,
  campaign: Campaign,
  json: boolean,
  io: CommandIo,
): Promise<number> {
  // Read-only: a plan records nothing, and may look while a run goes on.
  const state = await FileStateStore.open(loaded.statePath, { readOnly: true });
  const progress = onboardProgress(io.stderr, "idswitch onboard plan");
  const result = await onboard({
    ...campaign,
    source: loaded.source,
    target: loaded.target,
    state,
    name: loaded.config.mirror.name ?? "default",
    onProgress: (p) => progress.update(p),
  }).plan();
  progress.finish(`${result.batch.length} e-mails planned`);
  if (json) io.write(JSON.stringify(result, null, 2));
  else {
    header(loaded, "idswitch onboard plan", io);
    printPlan(result, io.write);
  }
  return result.problems.length > 0 ? EXIT.found : EXIT.ok;
}

async function send(
  loaded: LoadedDirectory,
  campaign: Campaign,
  json: boolean,
  io: CommandIo,
): Promise<number> {
  const state = await FileStateStore.open(loaded.statePath);
  const stop = new AbortController();
  const interrupt = () => stop.abort();
  process.once("SIGINT", interrupt);
  process.once("SIGTERM", interrupt);
  const progress = onboardProgress(io.stderr, "idswitch onboard send");
  try {
    let result: OnboardResult;
    try {
      result = await onboard({
        ...campaign,
        source: loaded.source,
        target: loaded.target,
        state,
        name: loaded.config.mirror.name ?? "default",
        signal: stop.signal,
        onProgress: (p) => progress.update(p),
      }).send();
    } catch (err) {
      progress.finish("failed; what was sent is recorded: run again to go on");
      throw err;
    }
    const count = result.sent.invite + result.sent.remind;
    progress.finish(
      result.status === "stopped" ? `interrupted after ${count} e-mails` : `${count} e-mails sent`,
    );
    if (json) io.write(JSON.stringify(result, null, 2));
    else {
      header(loaded, "idswitch onboard send", io);
      printResult(result, io.write);
    }
    return result.status === "stopped" ? EXIT.found : EXIT.ok;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await state.close();
  }
}

const SHOWN = 10;

export function printPlan(p: OnboardPlan, write: (line: string) => void): void {
  const invites = p.batch.filter((e) => e.kind === "invite").length;
  write(`${p.mirrored} mirrored people at Keycloak; the e-mail asks for: ${p.actions.join(", ")}`);
  write(`  due now:   ${p.due.invite} invitations, ${p.due.remind} reminders`);
  write(
    `  next send: ${invites} invitations, ${p.batch.length - invites} reminders; ${p.remaining} left for later runs`,
  );
  printSkipped(p.skipped, write);
  for (const e of p.batch.slice(0, SHOWN)) {
    const what = e.kind === "invite" ? "invite" : `remind #${e.reminder} (invited ${e.invitedAt})`;
    write(`    ${what}  ${e.username} <${e.email}>`);
  }
  if (p.batch.length > SHOWN) write(`    … and ${p.batch.length - SHOWN} more (--json lists every one)`);
  if (p.inDoubt.length > 0) write(inDoubtLine(p.inDoubt.length));
  for (const problem of p.problems) write(`  ✗ ${problem.what}. Fix: ${problem.fix}`);
}

export function printResult(r: OnboardResult, write: (line: string) => void): void {
  const status = r.status === "stopped" ? "Interrupted" : "Sent";
  write(
    `${status}: ${r.sent.invite} invitations, ${r.sent.remind} reminders in ${(r.sendingMs / 1000).toFixed(1)} s`,
  );
  if (r.vanished > 0)
    write(`  ${r.vanished} not sent: removed, disabled or without an e-mail address meanwhile`);
  write(`  ${r.remaining} still due: the next run sends them`);
  printSkipped(r.skipped, write);
  if (r.inDoubt.length > 0) write(inDoubtLine(r.inDoubt.length));
}

function printSkipped(s: OnboardPlan["skipped"], write: (line: string) => void): void {
  write(
    `  skipped:   ${s.hasCredential} can sign in already, ${s.waiting} invited (reminder not due), ` +
      `${s.disabledAtKeycloak} disabled at Keycloak, ${s.disabledAtEntra} disabled or gone at Entra, ` +
      `${s.quarantined} quarantined, ${s.noEmail} without e-mail, ${s.remindersExhausted} reminded --max-reminders times`,
  );
}

function inDoubtLine(n: number): string {
  return `  ⚠ ${n} ${n === 1 ? "person" : "people"} in doubt: a run was stopped while e-mailing them; counted as sent (never sent twice), they get a reminder after --remind-after`;
}

/**
 * The campaign's progress on standard error. Unlike the mirror's, the number of e-mails is known once the
 * read is done: on a terminal a bar over them, redrawn in place; elsewhere a line per phase and per hundred.
 */
export function onboardProgress(stream: ProgressStream, label: string, now: () => number = Date.now) {
  const started = now();
  const elapsed = () => {
    const s = Math.max(0, Math.round((now() - started) / 1000));
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, "0")}`;
  };
  let phase: OnboardProgress["phase"] | undefined;
  let lastDraw = 0;
  let lastLine = 0;
  let drawn = false;
  const describe = (p: OnboardProgress) =>
    p.phase === "read" ? `reading · ${p.read} people` : `sending · ${p.sent}/${p.total} e-mails`;
  return {
    update(p: OnboardProgress): void {
      const changed = p.phase !== phase;
      phase = p.phase;
      if (stream.isTTY) {
        if (!changed && now() - lastDraw < 100 && p.sent !== p.total) return;
        lastDraw = now();
        const filled = p.total > 0 ? Math.round((p.sent / p.total) * 20) : 0;
        stream.write(
          `\r\x1b[2K${label} [${"█".repeat(filled)}${"·".repeat(20 - filled)}] ${describe(p)} · ${elapsed()}`,
        );
        drawn = true;
      } else if (changed) {
        lastLine = 0;
        stream.write(
          `${label}: ${p.phase === "read" ? "reading Keycloak and Entra" : `sending ${p.total} e-mails`}…\n`,
        );
      } else if (p.phase === "send" && p.sent - lastLine >= 100) {
        lastLine = p.sent - (p.sent % 100);
        stream.write(`${label}: ${describe(p)}\n`);
      }
    },
    finish(line: string): void {
      stream.write(`${drawn ? "\r\x1b[2K" : ""}${label}: ${line} (${elapsed()})\n`);
    },
  };
}
