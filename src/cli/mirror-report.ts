/**
 * The mirror's plan and result for people: counts per kind of write, a few
 * examples, the divergences a person has to decide, and — when the brake
 * held — what happened, what did not, and the exact command to confirm.
 * (For machines, `--json` prints the library's own MirrorPlan/MirrorResult.)
 */
import {
  type BrakeReport,
  type Divergence,
  type MirrorAction,
  type MirrorPlan,
  type MirrorResult,
  type QuarantinedPerson,
  quarantineLine,
} from "idswitch/directory";

const EXAMPLES_PER_KIND = 2;
const MAX_EXAMPLES = 12;
const MAX_DIVERGENCES = 20;
const MAX_QUARANTINED = 20;

type Write = (line: string) => void;

export function printPlan(plan: MirrorPlan, write: Write): void {
  write(
    plan.round === "full"
      ? "Round: full (every Entra user is read: no checkpoint yet, or Graph asked for a resync)"
      : "Round: incremental (only what changed at Entra since the checkpoint)",
  );
  write("");
  if (plan.writes === 0) write("Nothing to write: Keycloak is in line with Entra.");
  else {
    write(`${plan.writes.toLocaleString("en")} write${plan.writes === 1 ? "" : "s"} would be made:`);
    printCounts(plan, write);
    write("");
    write("For example:");
    for (const action of examples(plan.actions)) write(`  ${action.kind.padEnd(22)} ${describe(action)}`);
  }
  printDivergences(plan.divergences, write, "would be left for a person to decide");
  printQuarantine(plan.quarantined, write);
  if (plan.status === "braked" && plan.brake) {
    write("");
    write(`The mass-disable brake would stop apply: ${brakeNumbers(plan.brake)}.`);
    write("Groups and roles are planned once the disables are confirmed:");
    write("  idswitch mirror apply --confirm-disables");
  }
}

export function printResult(result: MirrorResult, statePath: string, write: Write): void {
  const what = result.writes === 0 ? "nothing to write" : `${result.writes.toLocaleString("en")} writes`;
  const round = result.round === "full" ? "full round" : "incremental round";
  write(`${result.status === "braked" ? "Stopped by the brake" : "Done"}: ${what} (${round}).`);
  printCounts(result, write);
  printDivergences(result.divergences, write, "left for a person to decide");
  printQuarantine(result.quarantined, write);
  if (result.status === "braked" && result.brake) {
    write("");
    write(`✘ The mass-disable brake stopped this run: ${brakeNumbers(result.brake)}.`);
    write(
      "  Nobody was disabled; the other changes to people were made; groups and roles wait for the disables.",
    );
    write("  If these disables are intended, look at them (idswitch mirror plan), then confirm:");
    write("    idswitch mirror apply --confirm-disables");
  }
  write("");
  write(`Checkpoint: ${statePath} (the next run reads only what changed)`);
}

/** Quarantined disables: who, why, who the audit log names, and the commands that settle them. */
function printQuarantine(quarantined: readonly QuarantinedPerson[], write: Write): void {
  if (quarantined.length === 0) return;
  write("");
  write(
    `${quarantined.length} quarantined (disabled or removed at Entra, not by a trusted initiator; still enabled at Keycloak):`,
  );
  for (const q of quarantined.slice(0, MAX_QUARANTINED)) write(`  ${quarantineLine(q)}`);
  if (quarantined.length > MAX_QUARANTINED)
    write(`  … and ${quarantined.length - MAX_QUARANTINED} more (--json lists them all)`);
  write(
    "  Settle each: idswitch mirror release <upn> (keep enabled) or idswitch mirror confirm <upn> (disable).",
  );
}

/** `release` / `confirm` done, in one line. */
export function settledLine(sub: "release" | "confirm", q: QuarantinedPerson): string {
  const who = q.userPrincipalName ?? q.key;
  return sub === "release"
    ? `Released ${who}: stays enabled at Keycloak; this disable will not be quarantined again.`
    : `Confirmed ${who}: disabled at Keycloak, as at Entra.`;
}

/**
 * The plain `"propagate"` copies every disable at Entra, Microsoft's own too: said on every run until the
 * configuration names whose disables count.
 */
export function unsafePolicyWarning(options: {
  readonly disables?: unknown;
  readonly policy?: string | undefined;
}): string | undefined {
  const given = options.disables ?? options.policy;
  if (given !== "propagate") return undefined;
  return 'disables "propagate" copies every disable at Entra, a suspension by Microsoft too; name whose disables count: "disables": { "policy": "propagate", "trustedInitiators": [...] } (needs AuditLog.Read.All).';
}

/** The brake's message on standard error when standard output is JSON. */
export function brakeMessage(brake: BrakeReport): string {
  return `idswitch mirror apply: stopped by the mass-disable brake (${brakeNumbers(brake)}); nobody was disabled. Confirm with --confirm-disables.`;
}

function brakeNumbers(brake: BrakeReport): string {
  const n = (value: number) => value.toLocaleString("en");
  const who =
    brake.population > 0
      ? `${n(brake.disables)} of ${n(brake.population)} mirrored people`
      : `${n(brake.disables)} people`;
  return `${who} would be disabled, more than the brake allows (${n(brake.limit)})`;
}

function printCounts(result: MirrorResult, write: Write): void {
  const kinds = Object.entries(result.counts).filter(([, n]) => n > 0);
  for (const [kind, n] of kinds) write(`  ${kind.padEnd(22)} ${n.toLocaleString("en").padStart(8)}`);
}

function printDivergences(divergences: readonly Divergence[], write: Write, verb: string): void {
  if (divergences.length === 0) return;
  write("");
  write(`${divergences.length} divergence${divergences.length === 1 ? "" : "s"} ${verb}:`);
  for (const d of divergences.slice(0, MAX_DIVERGENCES)) {
    const account = d.keycloakUserId ? `  (Keycloak user ${d.keycloakUserId})` : "";
    write(`  ${d.reason.padEnd(22)} ${d.key}${account}`);
  }
  if (divergences.length > MAX_DIVERGENCES)
    write(`  … and ${divergences.length - MAX_DIVERGENCES} more (--json lists them all)`);
}

/** The first writes of each kind, in the order they would happen. */
function examples(actions: readonly MirrorAction[]): MirrorAction[] {
  const perKind = new Map<string, number>();
  const picked: MirrorAction[] = [];
  for (const action of actions) {
    const seen = perKind.get(action.kind) ?? 0;
    if (seen >= EXAMPLES_PER_KIND) continue;
    perKind.set(action.kind, seen + 1);
    picked.push(action);
    if (picked.length === MAX_EXAMPLES) break;
  }
  return picked;
}

function describe(action: MirrorAction): string {
  if (action.key && action.target) return `${action.key} → ${action.target}`;
  return action.key ?? action.target ?? "";
}
