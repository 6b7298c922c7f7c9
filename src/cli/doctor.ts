/**
 * `idswitch doctor`: reads the failover configuration (a file or the
 * environment), validates it, probes every provider — reachable, discovery
 * with the exact issuer, keys, clock skew, client credentials — and prints a
 * verdict per provider. With a link claim or a directory section, it also
 * checks that the Keycloak realm the mirror writes can be trusted with the
 * link claim (doctor-linking.ts) and whether it is ready for passkeys
 * (doctor-passkeys.ts). Exit code 0 when every provider is fine, 1 when a
 * provider, the link claim or a required passkey setting has a problem, 2 when
 * the configuration itself is invalid.
 */
import { randomUUID } from "node:crypto";
import {
  type DiagnosticCheck,
  type Environment,
  IdSwitchError,
  identityOptionsFromConfig,
  type Provider,
} from "idswitch";
import { readConfig, withSources } from "../config/node.js";
import { nodeFetch } from "../node/fetch.js";
import { parseArgs, stringFlag, UsageError } from "./args.js";
import { diagnoseLinking, type LinkClaim, type LinkingReport } from "./doctor-linking.js";
import { diagnosePasskeys, type PasskeysReport } from "./doctor-passkeys.js";
import { printIssues } from "./issues.js";
import { unsafePolicyWarning } from "./mirror-report.js";

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

export const DOCTOR_HELP = `Usage: idswitch doctor [--config <file>] [--json] [--passkeys]

Validates the configuration (default ./idswitch.config.json, or IDSWITCH_CONFIG / IDSWITCH_CONFIG_FILE,
with IDSWITCH__* variables laid over it — or alone) and probes each provider: reachable, discovery and issuer, keys, clock skew, client credentials.
With linking.claim or a directory section: checks through directory.target's service account that only
administrators can write the link attribute and that no other protocol mapper emits the link claim,
and whether the realm is ready for passkeys (WebAuthn passwordless policy, the webauthn-register-passwordless
required action, SMTP). Missing passkey settings are problems when directory.onboarding.requiredActions has
webauthn-register-passwordless or with --passkeys, warnings otherwise.
Exit code: 0 all fine, 1 a provider, the link claim or a required passkey setting has a problem, 2 the configuration is invalid.`;

export async function runDoctor({ args, env, write }: DoctorOptions): Promise<number> {
  const parsed = parseDoctorArgs(args);
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
  let document: unknown;
  let linkClaim: LinkClaim | undefined;
  let authority: readonly string[] = [];
  try {
    const config = await readConfig(parsed.config, env);
    source = config.name;
    document = config.document;
    try {
      // A Node command: the fetch that keeps each provider's connect budget (connectTimeoutMs), as loadConfig does.
      const options = identityOptionsFromConfig(config.document, { env, fetch: nodeFetch() });
      providers = options.providers;
      linkClaim = options.linking?.claim;
      authority = options.routing?.authority ?? [];
    } catch (err) {
      throw withSources(err, config);
    }
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    printIssues(err, parsed.json, write);
    return 2;
  }
  const [reports, linking, passkeys] = await Promise.all([
    Promise.all(providers.map(diagnoseOne)),
    diagnoseLinking(document, env, linkClaim, providers),
    diagnosePasskeys(document, env, providers, parsed.passkeys),
  ]);
  const authorityReport = await authorityCheck(authority, providers);
  const mirrorWarning = mirrorPolicyWarning(document);
  if (parsed.json) {
    const extra = {
      ...(linking ? { linking } : {}),
      ...(passkeys ? { passkeys } : {}),
      authority: authorityReport,
      ...(mirrorWarning ? { mirror: { verdict: "warning", detail: mirrorWarning } } : {}),
    };
    write(JSON.stringify({ config: source, providers: reports, ...extra }, null, 2));
  } else {
    printTable(source, reports, { linking, passkeys }, authorityReport, write);
    if (mirrorWarning) write(`${MARK.warning} mirror     ${mirrorWarning}`);
  }
  const bad =
    reports.some((r) => r.verdict === "problem") ||
    linking?.verdict === "problem" ||
    passkeys?.verdict === "problem" ||
    authorityReport.verdict === "problem";
  return bad ? 1 : 0;
}

/** The directory section's disable policy, when it copies every disable (a foreign suspension too). */
function mirrorPolicyWarning(document: unknown): string | undefined {
  const directory = (document as { directory?: { disables?: unknown; policy?: string } } | undefined)
    ?.directory;
  return directory
    ? unsafePolicyWarning({ disables: directory.disables, policy: directory.policy })
    : undefined;
}

/**
 * Whose word counts: without `routing.authority` a disable at the organisation's own
 * provider binds nowhere else. Not an error (a single-provider app needs none): a warning.
 * Each authority is asked about an account no one has: a provider that cannot be asked
 * (a Keycloak without `admin` has the method, which throws a TypeError) would fail every
 * sign-in elsewhere of a linked person, so that is a problem; one that cannot be reached
 * now is a warning, like any provider's outage.
 */
async function authorityCheck(
  authority: readonly string[],
  providers: readonly Provider[],
): Promise<AuthorityReport> {
  const answers = await Promise.all(
    authority.map(async (id) => ({ id, answer: await askAbout(providers.find((p) => p.id === id)) })),
  );
  const mute = answers.filter((a) => a.answer === "mute").map((a) => a.id);
  if (mute.length > 0) {
    const detail = `${mute.join(", ")} cannot be asked about an account's status (Keycloak: configure \`admin\`)`;
    return { verdict: "problem", detail };
  }
  const unreachable = answers.filter((a) => a.answer === "unreachable").map((a) => a.id);
  if (unreachable.length > 0) {
    return {
      verdict: "warning",
      detail: `${unreachable.join(", ")} did not answer about an account's status`,
    };
  }
  if (authority.length > 0) {
    return {
      verdict: "ok",
      detail: `${authority.join(", ")} speak(s) for the organisation (routing.authority)`,
    };
  }
  if (providers.length < 2)
    return { verdict: "ok", detail: "no routing.authority (one provider: nothing to bind elsewhere)" };
  const detail =
    "no provider speaks for the organisation: a disable at its own provider does not bind at the others (set routing.authority)";
  return { verdict: "warning", detail };
}

/** Asks the provider about an account that does not exist: any answer means it can be asked. */
async function askAbout(provider: Provider | undefined): Promise<"answers" | "mute" | "unreachable"> {
  if (typeof provider?.accountStatus !== "function") return "mute";
  try {
    await provider.accountStatus(randomUUID());
    return "answers";
  } catch (err) {
    return err instanceof TypeError ? "mute" : "unreachable";
  }
}

interface AuthorityReport {
  readonly verdict: "ok" | "warning" | "problem";
  readonly detail: string;
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

function printTable(
  source: string,
  reports: readonly ProviderReport[],
  { linking, passkeys }: { linking: LinkingReport | undefined; passkeys: PasskeysReport | undefined },
  authority: AuthorityReport,
  write: (line: string) => void,
): void {
  write(`idswitch doctor — ${source}`);
  for (const report of reports) {
    write(`\n${MARK[report.verdict]} ${report.provider}  ${report.issuer}  → ${report.verdict}`);
    printChecks(report.checks, write);
  }
  if (linking) {
    const what = [linking.claim ? `claim ${linking.claim}` : undefined, linking.realm].filter(Boolean);
    write(`\n${MARK[linking.verdict]} link claim  ${what.join("  ")}  → ${linking.verdict}`);
    printChecks(linking.checks, write);
  }
  if (passkeys) {
    const what = [passkeys.realm, passkeys.required ? "required" : "not required"].filter(Boolean);
    write(`\n${MARK[passkeys.verdict]} passkeys  ${what.join("  ")}  → ${passkeys.verdict}`);
    printChecks(passkeys.checks, write);
  }
  write(`\n${MARK[authority.verdict]} authority  ${authority.detail}`);
  const bad = reports.filter((r) => r.verdict === "problem").map((r) => r.provider);
  if (linking?.verdict === "problem") bad.push("the link claim");
  if (passkeys?.verdict === "problem") bad.push("passkeys");
  if (authority.verdict === "problem") bad.push("routing.authority");
  write(bad.length === 0 ? "\nEvery provider is ready." : `\nProblems with: ${bad.join(", ")}.`);
}

function printChecks(
  checks: ReadonlyArray<{ check: string; status: keyof typeof MARK; detail: string; code?: string }>,
  write: (line: string) => void,
): void {
  for (const check of checks) {
    const code = check.code ? ` [${check.code}]` : "";
    write(`    ${MARK[check.status]} ${check.check.padEnd(9)} ${check.detail}${code}`);
  }
}

function parseDoctorArgs(
  args: readonly string[],
): { config?: string; json: boolean; help: boolean; passkeys: boolean } | { error: string } {
  try {
    const parsed = parseArgs(args, { config: "string", json: "boolean", passkeys: "boolean" });
    if (parsed.positionals.length > 0) return { error: `unexpected argument ${parsed.positionals[0]}` };
    const config = stringFlag(parsed, "config");
    return {
      ...(config === undefined ? {} : { config }),
      json: parsed.flags.json === true,
      help: parsed.flags.help === true,
      passkeys: parsed.flags.passkeys === true,
    };
  } catch (err) {
    if (err instanceof UsageError) return { error: err.message };
    throw err;
  }
}
