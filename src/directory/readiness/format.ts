/**
 * The readiness report for people: a summary table, then one line per person
 * who could not sign in at Keycloak tomorrow. (For machines: `JSON.stringify(report)`.)
 */
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
  if (report.gaps.length > 0) {
    lines.push("", `${"person".padEnd(44)}  problems`);
    for (const gap of report.gaps.slice(0, maxGaps)) {
      const who = `${gap.userPrincipalName}${gap.enabledAtSource ? "" : " (disabled at Entra)"}`;
      lines.push(`${who.padEnd(44)}  ${gap.problems.join(", ")}`);
    }
    if (report.gaps.length > maxGaps)
      lines.push(`… and ${report.gaps.length - maxGaps} more (see the JSON report)`);
  }
  return `${lines.join("\n")}\n`;
}
