/**
 * `idswitch doctor`'s passkey check: with a directory section, whether the
 * realm the mirror writes is ready for people to register passkeys — the
 * same `checkPasskeyRealm` a program runs — through the mirror's own service
 * account (`directory.target`).
 *
 * Passkeys are required when the mirror's onboarding asks for
 * `webauthn-register-passwordless` or the doctor runs with `--passkeys`: then a
 * missing setting is a problem (exit code 1). Otherwise it is reported as a
 * warning, for the organisation that has not turned passkeys on yet.
 *
 * The relying-party id is compared with the host of the configured provider
 * whose issuer is that realm (the host browsers use), else with the host of
 * `directory.target.url`.
 */
import { directoryOptionsFromConfig, type Environment, IdSwitchError, type Provider } from "idswitch";
import { checkPasskeyRealm, keycloakDirectory, type PasskeyRealmCheck } from "idswitch/directory";

export interface PasskeysCheck {
  readonly check: "passkeys";
  readonly status: "ok" | "warning" | "problem" | "skipped";
  readonly detail: string;
  readonly code?: string;
}

export interface PasskeysReport {
  /** The realm checked, as its issuer, when one was. */
  readonly realm: string | undefined;
  /** Whether passkeys are required (onboarding asks for them, or `--passkeys`): missing settings are problems. */
  readonly required: boolean;
  readonly verdict: "ok" | "warning" | "problem";
  readonly checks: readonly PasskeysCheck[];
}

const PASSWORDLESS_ACTION = "webauthn-register-passwordless";

/** The report, or undefined when the configuration has no directory section and passkeys were not asked for. */
export async function diagnosePasskeys(
  document: unknown,
  env: Environment,
  providers: readonly Provider[],
  force: boolean,
): Promise<PasskeysReport | undefined> {
  const hasDirectory =
    typeof document === "object" && document !== null && "directory" in document && document.directory;
  if (!hasDirectory) {
    if (!force) return undefined;
    return report(undefined, true, [
      {
        check: "passkeys",
        status: "problem",
        detail: `--passkeys needs a "directory" section: its target's service account reads the realm's settings`,
        code: "config_invalid",
      },
    ]);
  }
  let config: ReturnType<typeof directoryOptionsFromConfig>;
  try {
    config = directoryOptionsFromConfig(document, { env });
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    const why = (err.issues ?? [{ path: "directory", message: err.message }])
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ");
    const status = force ? "problem" : "warning";
    return report(undefined, force, [
      { check: "passkeys", status, detail: `the realm was not checked: ${why}`, code: err.code },
    ]);
  }
  const required = force || config.mirror.onboarding.requiredActions.includes(PASSWORDLESS_ACTION);
  // One try per call, as the providers' probes: a doctor reports, it does not wait out an outage.
  const target = keycloakDirectory({ ...config.target, retry: { attempts: 1, backoffMs: 0 } });
  const { url, realm } = target.options;
  const issuer = publicIssuer(providers, realm) ?? `${url}/realms/${realm}`;
  try {
    const check = await checkPasskeyRealm(target, { issuer });
    return report(issuer, required, checksOf(check, required));
  } catch (err) {
    if (!(err instanceof IdSwitchError)) throw err;
    const status = required ? "problem" : "warning";
    const detail = `could not read realm "${realm}": ${err.message}`;
    return report(issuer, required, [{ check: "passkeys", status, detail, code: err.code }]);
  }
}

/** The issuer of a configured provider for that realm: what browsers reach, whatever URL the mirror uses. */
function publicIssuer(providers: readonly Provider[], realm: string): string | undefined {
  const suffix = `/realms/${encodeURIComponent(realm)}`;
  return providers
    .map((p) => p.issuer.replace(/\/+$/, ""))
    .find((issuer) => URL.canParse(issuer) && new URL(issuer).pathname.endsWith(suffix));
}

function checksOf(check: PasskeyRealmCheck, required: boolean): PasskeysCheck[] {
  const status = required ? "problem" : "warning";
  const checks: PasskeysCheck[] = check.problems.map((p) => ({
    check: "passkeys",
    status,
    detail: `realm "${check.realm}", ${p.where}: ${p.problem}. Fix: ${p.fix}`,
    ...(required ? { code: "config_invalid" } : {}),
  }));
  for (const w of check.warnings) {
    checks.push({
      check: "passkeys",
      status: "warning",
      detail: `realm "${check.realm}", ${w.where}: ${w.problem}. Fix: ${w.fix}`,
    });
  }
  if (check.ready) {
    const rp = check.rpId === "" ? `taken from the request host` : `"${check.rpId}"`;
    checks.unshift({
      check: "passkeys",
      status: "ok",
      detail: `ready: passkeys enabled, relying-party id ${rp} for ${check.host}, user verification and resident key required, ${PASSWORDLESS_ACTION} enabled, SMTP set`,
    });
  } else if (!required) {
    checks.push({
      check: "passkeys",
      status: "warning",
      detail: `not ready for passkeys (not required: onboarding.requiredActions has no ${PASSWORDLESS_ACTION}; --passkeys makes these problems)`,
    });
  }
  return checks;
}

function report(realm: string | undefined, required: boolean, checks: PasskeysCheck[]): PasskeysReport {
  const verdict = checks.some((c) => c.status === "problem")
    ? "problem"
    : checks.some((c) => c.status === "warning")
      ? "warning"
      : "ok";
  return { realm, required, verdict, checks };
}
