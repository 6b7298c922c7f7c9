/**
 * The readiness report as one self-contained HTML page, for the people who
 * decide whether the organisation could leave Entra tomorrow: a headline, the
 * onboarding funnel and what people would sign in with as bars, and who
 * could only recover through a mailbox at risk. No script, no external URL,
 * no web font: the page loads nothing (its Content-Security-Policy says so
 * too), so it can be e-mailed, archived and opened offline.
 */
import { CREDENTIAL_KINDS, type CredentialKind } from "./credentials.js";
import { FUNNEL_STAGES, KIND_LABELS } from "./format.js";
import type { ReadinessProblem, ReadinessReport } from "./report.js";

/**
 * Options of {@link readinessHtml}.
 *
 * @example
 * const page = readinessHtml(report, { title: "Contoso → EU Keycloak (realm acme)", maxNames: 10 });
 */
export interface ReadinessHtmlOptions {
  /** A line under the heading: which tenant and realm the report is about. */
  readonly title?: string | undefined;
  /** People named in the recovery-at-risk list (default 20); the rest are counted. */
  readonly maxNames?: number | undefined;
}

interface Bar {
  readonly label: string;
  readonly value: number;
  readonly colour: string;
}

const KIND_COLOURS: Readonly<Record<CredentialKind, string>> = {
  passkey: "#1a7f37",
  otp: "#2f8f83",
  password: "#bf8700",
  brokered: "#0969da",
  other: "#8c959f",
  none: "#cf222e",
};

const PROBLEM_LABELS: ReadonlyArray<[ReadinessProblem, string]> = [
  ["missing", "no Keycloak account"],
  ["disabled", "disabled in Keycloak"],
  ["no-credential", "no credential yet"],
  ["email-unverified", "e-mail not verified"],
  ["groups-differ", "groups differ"],
  ["roles-differ", "roles differ"],
];

const STYLE = `
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1f2328;max-width:760px;margin:2rem auto;padding:0 1rem}
h1{font-size:1.6rem;margin:0}h2{font-size:1.15rem;margin:2rem 0 .5rem}
.sub{color:#59636e;margin:.25rem 0 1.5rem}
.headline{font-size:1.25rem;padding:1rem 1.25rem;border-radius:8px;background:#f6f8fa;border-left:6px solid #1a7f37}
.headline.no{border-left-color:#cf222e}
.headline b{font-size:2rem}
svg{width:100%;height:auto}svg text{font:13px system-ui,sans-serif;fill:#1f2328}
.note{color:#59636e;font-size:.9rem}
table{border-collapse:collapse;font-size:.9rem}td,th{text-align:left;padding:.2rem .8rem .2rem 0;border-bottom:1px solid #d1d9e0}
`;

/**
 * The readiness report as a self-contained HTML page (inline CSS and SVG; no script, nothing fetched).
 *
 * @example
 * import { writeFile } from "node:fs/promises";
 * const report = await readiness({ source, target, state, recoveryAtRisk: ["contoso.com"] });
 * await writeFile("readiness.html", readinessHtml(report, { title: "Contoso → realm acme" }));
 */
export function readinessHtml(report: ReadinessReport, options: ReadinessHtmlOptions = {}): string {
  const title = options.title ? `<p class="sub">${escapeHtml(options.title)}</p>` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>Exit readiness, ${escapeHtml(report.generatedAt)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>Exit readiness</h1>
${title}<p class="sub">Could the people enabled at Entra sign in at Keycloak today? As of ${escapeHtml(when(report.generatedAt))}.</p>
${headline(report)}
${funnelSection(report)}
${kindsSection(report)}
${atRiskSection(report, options.maxNames ?? 20)}
${problemsSection(report)}
</body>
</html>
`;
}

/** `2026-12-03T14:00:00.000Z` → `2026-12-03 14:00 UTC`: for a reader, not a parser. */
function when(iso: string): string {
  return /^\d{4}-\d\d-\d\dT\d\d:\d\d/.test(iso) ? `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC` : iso;
}

function headline(report: ReadinessReport): string {
  const people = report.funnel.people;
  const ready = people - report.gaps.filter((g) => g.enabledAtSource).length;
  const cls = ready === people ? "headline" : "headline no";
  return `<p class="${cls}"><b>${ready}</b> of ${people} ${people === 1 ? "person" : "people"} enabled at Entra could sign in at Keycloak today.</p>`;
}

function funnelSection(report: ReadinessReport): string {
  const { funnel } = report;
  const bars = FUNNEL_STAGES.map(([stage, label]) => ({
    label,
    value: funnel[stage],
    colour: "#0969da",
  }));
  const waiting = funnel.invited - funnel.invitedRegistered;
  return `<h2>Onboarding</h2>
${barChart("Onboarding: people enabled at Entra, mirrored, invited, registered", bars, funnel.people)}
<p class="note">Registered: has a way to sign in at Keycloak (a credential or a linked identity provider), invited or not. ${waiting} invited ${waiting === 1 ? "person has" : "people have"} not registered yet.</p>`;
}

function kindsSection(report: ReadinessReport): string {
  const kinds = CREDENTIAL_KINDS.filter((k) => k !== "other" || report.credentials.other > 0);
  const bars = kinds.map((kind) => ({
    label: KIND_LABELS[kind],
    value: report.credentials[kind],
    colour: KIND_COLOURS[kind],
  }));
  return `<h2>What people would sign in with</h2>
${barChart("People by the strongest way they would sign in at Keycloak", bars, report.totals.users)}
<p class="note">Each person counted once, by the strongest they hold: passkey, then one-time code, then password, then a linked identity provider.</p>`;
}

function atRiskSection(report: ReadinessReport, max: number): string {
  const atRisk = report.recoveryAtRisk;
  if (atRisk.length === 0) return "";
  const domains = [...new Set(atRisk.map((r) => r.domain))].map(escapeHtml).join(", ");
  const rows = atRisk
    .slice(0, max)
    .map(
      (r) =>
        `<tr><td>${escapeHtml(r.userPrincipalName)}</td><td>${escapeHtml(r.email)}</td><td>${escapeHtml(KIND_LABELS[r.kind])}</td></tr>`,
    )
    .join("\n");
  const more = atRisk.length > max ? `<p class="note">… and ${atRisk.length - max} more.</p>` : "";
  return `<h2>Recovery at risk</h2>
<p><b>${atRisk.length}</b> ${atRisk.length === 1 ? "person" : "people"} could only get back in through a mailbox at ${domains}, a domain that may go with Entra: no passkey, one-time code or linked identity provider.</p>
<table><thead><tr><th>person</th><th>e-mail</th><th>signs in with</th></tr></thead><tbody>
${rows}
</tbody></table>${more}`;
}

function problemsSection(report: ReadinessReport): string {
  const bars = PROBLEM_LABELS.map(([problem, label]) => ({
    label,
    value: report.totals[problem],
    colour: "#cf222e",
  }));
  const quarantined = report.quarantined.length;
  const note =
    quarantined > 0
      ? `<p class="note">${quarantined} disabled at Entra ${quarantined === 1 ? "is" : "are"} kept enabled at Keycloak until someone settles it (quarantine).</p>`
      : "";
  return `<h2>What stops the others</h2>
${barChart("Problems found, people counted once per problem", bars, report.totals.users)}
<p class="note">Counts everyone at Entra, including people disabled there.</p>${note}`;
}

const LABEL_WIDTH = 210;
const BAR_WIDTH = 380;
const ROW = 30;

/** Horizontal bars, each `value / max` of the full width, with its number beside it. */
function barChart(summary: string, bars: readonly Bar[], max: number): string {
  const height = bars.length * ROW;
  const rows = bars.map((bar, i) => {
    const y = i * ROW;
    const width = max > 0 ? Math.round((bar.value / max) * BAR_WIDTH) : 0;
    const share = max > 0 ? ` (${Math.round((bar.value / max) * 100)}%)` : "";
    return `<text x="0" y="${y + 19}">${escapeHtml(bar.label)}</text><rect x="${LABEL_WIDTH}" y="${y + 5}" width="${BAR_WIDTH}" height="20" fill="#eaeef2"/><rect x="${LABEL_WIDTH}" y="${y + 5}" width="${width}" height="20" fill="${bar.colour}"/><text x="${LABEL_WIDTH + BAR_WIDTH + 8}" y="${y + 19}">${bar.value}${share}</text>`;
  });
  return `<svg role="img" viewBox="0 0 ${LABEL_WIDTH + BAR_WIDTH + 90} ${height}"><title>${escapeHtml(summary)}</title>${rows.join("")}</svg>`;
}

const ENTITIES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Names and addresses come from the directory: escaped, never markup. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
