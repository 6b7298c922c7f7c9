/**
 * `idswitch doctor`: reads the failover configuration (a file or the
 * environment), validates it, probes every provider — reachable, discovery
 * with the exact issuer, keys, clock skew, client credentials — and prints a
 * verdict per provider. Exit code 0 when every provider is fine, 1 when a
 * provider has a problem, 2 when the configuration itself is invalid.
 */
import {
  type DiagnosticCheck,
  type Environment,
  IdSwitchError,
  identityOptionsFromConfig,
  type Provider,
} from "idswitch";
import { readConfig, withSources } from "../config/node.js";
import { printIssues } from "./issues.js";

export interface DoctorOptions {
  readonly args: readonly string[];
  readonly env: Environment;
  readonly write: (line: string) => void;
}

interface ProviderReport {
  readonly provider: string;
  readonly issuer: string;
  readonly verdict: "ok" | "warning" | "problem";
  readonly checks: readonly DiagnosticCheck[];
}

export const DOCTOR_HELP = `Usage: idswitch doctor [--config <file>] [--json]

Validates the configuration (default ./idswitch.config.json, or IDSWITCH_CONFIG / IDSWITCH_CONFIG_FILE,
with IDSWITCH__* variables laid over it — or alone) and probes each provider: reachable, discovery and issuer, keys, clock skew, client credentials.
Exit code: 0 all fine, 1 a provider has a problem, 2 the configuration is invalid.`;

export async function runDoctor({ args, env, write }: DoctorOptions): Promise<number> {
  const parsed = parseArgs(args);
  if ("error" in parsed) {
    write(`idswitch doctor: ${parsed.error}\n\n${DOCTOR_HELP}`);
    return 2;
  }
  if (parsed.help) {
    write(DOCTOR_HELP);
    return 0;
  }
  let providers: readonly Provider[];
  let source: string;
  try {
    const config = await readConfig(parsed.config, env);
    source = config.name;
    try {
      providers = identityOptionsFromConfig(config.document, { env }).providers;
    } catch (err) {
      throw withSources(err, config);
    }
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    printIssues(err, parsed.json, write);
    return 2;
  }
  const reports = await Promise.all(providers.map(diagnoseOne));
  if (parsed.json) write(JSON.stringify({ config: source, providers: reports }, null, 2));
  else printTable(source, reports, write);
  return reports.some((r) => r.verdict === "problem") ? 1 : 0;
}

async function diagnoseOne(provider: Provider): Promise<ProviderReport> {
  const checks = provider.diagnose
    ? await provider.diagnose()
    : [{ check: "reachable", status: "skipped", detail: "this provider cannot be diagnosed" } as const];
  const verdict = checks.some((c) => c.status === "problem")
    ? "problem"
    : checks.some((c) => c.status === "warning")
      ? "warning"
      : "ok";
  return { provider: provider.id, issuer: provider.issuer, verdict, checks };
}

const MARK = { ok: "✔", warning: "!", problem: "✘", skipped: "·" } as const;

function printTable(source: string, reports: readonly ProviderReport[], write: (line: string) => void): void {
  write(`idswitch doctor — ${source}`);
  for (const report of reports) {
    write(`\n${MARK[report.verdict]} ${report.provider}  ${report.issuer}  → ${report.verdict}`);
    for (const check of report.checks) {
      const code = check.code ? ` [${check.code}]` : "";
      write(`    ${MARK[check.status]} ${check.check.padEnd(9)} ${check.detail}${code}`);
    }
  }
  const bad = reports.filter((r) => r.verdict === "problem").map((r) => r.provider);
  write(bad.length === 0 ? "\nEvery provider is ready." : `\nProblems with: ${bad.join(", ")}.`);
}

function parseArgs(
  args: readonly string[],
): { config?: string; json: boolean; help: boolean } | { error: string } {
  let config: string | undefined;
  let json = false;
  let help = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === "--json") json = true;
    else if (arg === "--help" || arg === "-h") help = true;
    else if (arg === "--config") {
      config = args[++i];
      if (config === undefined) return { error: "--config needs a file" };
    } else return { error: `unknown option ${arg}` };
  }
  return { ...(config === undefined ? {} : { config }), json, help };
}
