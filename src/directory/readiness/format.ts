/**
 * The readiness report for people: a summary table, then one line per person
 * who could not sign in at Keycloak tomorrow. (For machines: `JSON.stringify(report)`.)
 */
import type { QuarantinedPerson } from "../mirror/result.js";
import type { AuditInitiator } from "../types.js";
import { CREDENTIAL_KINDS, type CredentialKind } from "./credentials.js";
import type { ReadinessFunnel } from "./funnel.js";
import type { ReadinessReport } from "./report.js";

const LABELS: ReadonlyArray<[keyof ReadinessReport["totals"], string]> = [
  ["users", "Entra users"],
  ["ready", "ready at Keycloak"],
  ["notReady", "not ready"],
  ["missing", "  no Keycloak account"],
  ["disabled", "  disabled in Keycloak"],
  ["no-credential", "  no credential yet"],
  ["email-unverified", "  e-mail not verified"],
  ["groups-differ", "  groups differ"],
  ["roles-differ", "  roles differ"],
];

/** Plain words for each kind, shared by the table and the HTML page. */
export const KIND_LABELS: Readonly<Record<CredentialKind, string>> = {
  passkey: "passkey",
  otp: "one-time code (OTP)",
  password: "password only",
  brokered: "linked identity provider",
  other: "other credential",
  none: "nothing yet",
};

/** The funnel's stages in order, with plain words. */
export const FUNNEL_STAGES: ReadonlyArray<[keyof ReadinessFunnel, string]> = [
  ["people", "enabled at Entra"],
  ["mirrored", "mirrored to Keycloak"],
  ["invited", "invited"],
  ["registered", "registered"],
];

/**
 * @example
 * process.stdout.write(formatReadiness(await readiness({ source, target })));
 */
export function formatReadiness(report: ReadinessReport, options: { maxGaps?: number } = {}): string {
  const width = Math.max(...LABELS.map(([, label]) => label.length));
  const lines = [`Exit readiness at ${report.generatedAt}`, ""];
  for (const [key, label] of LABELS)
    lines.push(`${label.padEnd(width)}  ${String(report.totals[key]).padStart(7)}`);
  const maxGaps = options.maxGaps ?? 50;
  lines.push(...meansLines(report));
  if (report.gaps.length > 0) {
    lines.push("", `${"person".padEnd(44)}  problems`);
    for (const gap of report.gaps.slice(0, maxGaps)) {
      const who = `${gap.userPrincipalName}${gap.enabledAtSource ? "" : " (disabled at Entra)"}`;
      lines.push(`${who.padEnd(44)}  ${gap.problems.join(", ")}`);
    }
    if (report.gaps.length > maxGaps)
      lines.push(`… and ${report.gaps.length - maxGaps} more (see the JSON report)`);
  }
  const quarantined = report.quarantined ?? [];
  if (quarantined.length > 0) {
    lines.push(
      "",
      `Quarantined: ${quarantined.length} disabled at Entra, kept enabled at Keycloak until a person settles it`,
      `${"person".padEnd(44)}  why; initiator`,
    );
    for (const q of quarantined.slice(0, maxGaps)) lines.push(quarantineLine(q));
    if (quarantined.length > maxGaps)
      lines.push(`… and ${quarantined.length - maxGaps} more (see the JSON report)`);
  }
  lines.push(...atRiskLines(report, maxGaps));
  return `${lines.join("\n")}\n`;
}

/** What people would sign in with (strongest kind each), and the onboarding funnel. */
function meansLines(report: ReadinessReport): string[] {
  const { credentials, funnel } = report;
  const lines = ["", "Would sign in with (strongest)"];
  for (const kind of CREDENTIAL_KINDS)
    if (credentials[kind] > 0 || kind !== "other")
      lines.push(`  ${KIND_LABELS[kind].padEnd(26)}  ${String(credentials[kind]).padStart(7)}`);
  lines.push("", "Onboarding (people enabled at Entra)");
  for (const [stage, label] of FUNNEL_STAGES)
    lines.push(`  ${label.padEnd(26)}  ${String(funnel[stage]).padStart(7)}`);
  return lines;
}

/** People whose only way back in is a mailbox at an at-risk domain. */
function atRiskLines(report: ReadinessReport, max: number): string[] {
  const atRisk = report.recoveryAtRisk;
  if (atRisk.length === 0) return [];
  const lines = [
    "",
    `Recovery at risk: ${atRisk.length} ${atRisk.length === 1 ? "person" : "people"} could only recover through a mailbox at a domain marked at risk`,
    `${"person".padEnd(44)}  e-mail; signs in with`,
  ];
  for (const r of atRisk.slice(0, max))
    lines.push(`${r.userPrincipalName.padEnd(44)}  ${r.email}; ${KIND_LABELS[r.kind]}`);
  if (atRisk.length > max) lines.push(`… and ${atRisk.length - max} more (see the JSON report)`);
  return lines;
}

/**
 * One quarantined person on one line: who, why, and who the audit log says made the change.
 *
 * @example
 * for (const q of report.quarantined) console.log(quarantineLine(q));
 */
export function quarantineLine(q: QuarantinedPerson): string {
  const who = `${q.userPrincipalName ?? q.key}${q.reason === "removed-at-source" ? " (removed)" : ""}`;
  return `${who.padEnd(44)}  ${q.why}; ${initiatorLabel(q.initiator)}${q.detail ? ` (${q.detail})` : ""}`;
}

/**
 * Who the audit log names, in a few words: `user admin@contoso.com`, `app Microsoft Online Services (appId …)`, `unknown`.
 *
 * @example
 * console.log(initiatorLabel(result.quarantined[0]?.initiator ?? { kind: "unknown" }));
 */
export function initiatorLabel(initiator: AuditInitiator): string {
  if (initiator.kind === "user") return `user ${initiator.userPrincipalName ?? initiator.id ?? "?"}`;
  if (initiator.kind === "app") {
    const ids = [
      initiator.appId && `appId ${initiator.appId}`,
      initiator.servicePrincipalId && `sp ${initiator.servicePrincipalId}`,
    ]
      .filter(Boolean)
      .join(", ");
    return `app ${initiator.displayName ?? "?"}${ids ? ` (${ids})` : ""}`;
  }
  return "unknown";
}
