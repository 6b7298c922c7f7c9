/**
 * `idswitch doctor`'s link-claim check (issue 13): when the configuration
 * trusts a link claim (`linking.claim`) or mirrors a directory into Keycloak
 * (`directory`), the realm the mirror writes must be safe to trust with it —
 * the same `checkLinkAttribute` the mirror runs before it writes anything —
 * through the mirror's own service account (`directory.target`).
 */
import { directoryOptionsFromConfig, type Environment, IdSwitchError, type Provider } from "idswitch";
import { checkLinkAttribute, keycloakDirectory } from "idswitch/directory";

export interface LinkingCheck {
  readonly check: "linking";
  readonly status: "ok" | "warning" | "problem" | "skipped";
  readonly detail: string;
  readonly code?: string;
}

export interface LinkingReport {
  /** The realm checked, as its issuer (`{url}/realms/{realm}`), when one was. */
  readonly realm: string | undefined;
  /** The claim checked. */
  readonly claim: string | undefined;
  readonly verdict: "ok" | "warning" | "problem";
  readonly checks: readonly LinkingCheck[];
}

export interface LinkClaim {
  readonly name: string;
  readonly provider: string;
  readonly from: readonly string[];
}

/** The report, or undefined when the configuration has neither a link claim nor a directory section. */
export async function diagnoseLinking(
  document: unknown,
  env: Environment,
  linking: LinkClaim | undefined,
  providers: readonly Provider[],
): Promise<LinkingReport | undefined> {
  const hasDirectory =
    typeof document === "object" && document !== null && "directory" in document && document.directory;
  if (!hasDirectory) {
    if (!linking) return undefined;
    return report(undefined, linking.name, [
      {
        check: "linking",
        status: "warning",
        detail: `linking.claim "${linking.name}" is trusted from ${linking.from.join(", ")}, but nothing here checks who can write it: add a "directory" section whose target is that realm (its service account reads the user profile and the protocol mappers)`,
      },
    ]);
  }
  let target: ReturnType<typeof keycloakDirectory>;
  try {
    // One try per call, as the providers' probes: a doctor reports, it does not wait out an outage.
    const options = directoryOptionsFromConfig(document, { env }).target;
    target = keycloakDirectory({ ...options, retry: { attempts: 1, backoffMs: 0 } });
  } catch (err) {
    if (!(err instanceof IdSwitchError) || err.code !== "config_invalid") throw err;
    const why = (err.issues ?? [{ path: "directory", message: err.message }])
      .map((i) => `${i.path}: ${i.message}`)
      .join("; ");
    return report(undefined, linking?.name, [
      {
        check: "linking",
        status: "warning",
        detail: `the link attribute was not checked: ${why}`,
        code: err.code,
      },
    ]);
  }
  const { url, realm, attribute } = target.options;
  const issuer = `${url}/realms/${realm}`;
  const mapped = target.options.claim ?? attribute;
  const claim = linking?.name ?? mapped;
  const checks: LinkingCheck[] = [];
  if (linking && linking.name !== mapped) {
    checks.push({
      check: "linking",
      status: "problem",
      detail: `linking.claim.name is "${linking.name}" but the mirror maps "${attribute}" to the claim "${mapped}": set directory.target.claim to "${linking.name}"`,
      code: "config_invalid",
    });
  }
  for (const id of linking?.from ?? []) {
    const provider = providers.find((p) => p.id === id);
    if (provider && provider.issuer.replace(/\/+$/, "") !== issuer) {
      checks.push({
        check: "linking",
        status: "warning",
        detail: `linking.claim.from includes "${id}" (${provider.issuer}), a realm the mirror does not write: its "${claim}" claim is not checked here`,
      });
    }
  }
  try {
    const result = await checkLinkAttribute(target, { claim });
    for (const p of result.problems) {
      checks.push({
        check: "linking",
        status: "problem",
        detail: `realm "${realm}", ${p.where}: ${p.problem}. Fix: ${p.fix}`,
        code: "config_invalid",
      });
    }
    if (result.problems.length === 0) {
      const how = result.declared
        ? `"${attribute}" is declared editable by administrators only`
        : `"${attribute}" is not declared yet (the mirror declares it admin-only); unmanaged attributes: ${result.unmanagedAttributePolicy ?? "DISABLED"}`;
      checks.push({
        check: "linking",
        status: "ok",
        detail: `${how}; no other protocol mapper emits "${claim}"`,
      });
    }
  } catch (err) {
    if (!(err instanceof IdSwitchError)) throw err;
    checks.push({
      check: "linking",
      status: "problem",
      detail: `could not read realm "${realm}": ${err.message}`,
      code: err.code,
    });
  }
  return report(issuer, claim, checks);
}

function report(realm: string | undefined, claim: string | undefined, checks: LinkingCheck[]): LinkingReport {
  const verdict = checks.some((c) => c.status === "problem")
    ? "problem"
    : checks.some((c) => c.status === "warning")
      ? "warning"
      : "ok";
  return { realm, claim, verdict, checks };
}
