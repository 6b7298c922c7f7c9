/**
 * The report's running counts, one person at a time: the readiness totals and
 * gaps, people by credential kind, the onboarding funnel, and who could only
 * recover through a mailbox at an at-risk domain.
 */
import type { SourceUser } from "../types.js";
import type { PersonCheck } from "./check.js";
import { atRiskDomain, CREDENTIAL_KINDS, type CredentialKind, emailIsOnlyRecovery } from "./credentials.js";
import type { Invitation, ReadinessFunnel } from "./funnel.js";
import type {
  ReadinessGap,
  ReadinessPerson,
  ReadinessProblem,
  ReadinessReport,
  RecoveryAtRisk,
} from "./report.js";

const PROBLEMS: readonly ReadinessProblem[] = [
  "missing",
  "disabled",
  "no-credential",
  "email-unverified",
  "groups-differ",
  "roles-differ",
];

type Counts<K extends string> = Record<K, number>;

export class Tally {
  readonly #domains: readonly string[];
  readonly #totals: Counts<keyof ReadinessReport["totals"]> = {
    users: 0,
    ready: 0,
    notReady: 0,
    ...(Object.fromEntries(PROBLEMS.map((p) => [p, 0])) as Counts<ReadinessProblem>),
  };
  readonly #kinds = Object.fromEntries(CREDENTIAL_KINDS.map((k) => [k, 0])) as Counts<CredentialKind>;
  readonly #funnel: Counts<keyof ReadinessFunnel> = {
    people: 0,
    mirrored: 0,
    invited: 0,
    registered: 0,
    invitedRegistered: 0,
  };
  readonly #gaps: ReadinessGap[] = [];
  readonly #people: ReadinessPerson[] = [];
  readonly #atRisk: RecoveryAtRisk[] = [];

  constructor(recoveryAtRisk: readonly string[]) {
    this.#domains = recoveryAtRisk;
  }

  add(user: SourceUser, found: PersonCheck, invitation: Invitation | undefined): void {
    const { key, userPrincipalName, accountEnabled: enabledAtSource } = user;
    const { problems, kinds, account } = found;
    const kind = kinds[0] ?? "none";
    this.#totals.users++;
    this.#kinds[kind]++;
    if (problems.length === 0) this.#totals.ready++;
    else {
      this.#totals.notReady++;
      for (const p of problems) this.#totals[p]++;
      this.#gaps.push({ key, userPrincipalName, enabledAtSource, problems });
    }
    const mirrored = account !== undefined;
    this.#people.push({
      key,
      userPrincipalName,
      enabledAtSource,
      mirrored,
      invited: invitation,
      kind,
      kinds,
    });
    if (!enabledAtSource) return; // not expected to sign in anywhere: neither onboarded nor at risk
    this.#count(mirrored, invitation !== undefined, kind !== "none");
    const email = account ? account.email : user.mail;
    const domain = emailIsOnlyRecovery(kinds) ? atRiskDomain(email, this.#domains) : undefined;
    if (email && domain) this.#atRisk.push({ key, userPrincipalName, email, domain, kind });
  }

  #count(mirrored: boolean, invited: boolean, registered: boolean): void {
    const f = this.#funnel;
    f.people++;
    if (!mirrored) return;
    f.mirrored++;
    if (invited) f.invited++;
    if (registered) f.registered++;
    if (invited && registered) f.invitedRegistered++;
  }

  result(): Omit<ReadinessReport, "generatedAt" | "quarantined"> {
    return {
      totals: this.#totals,
      gaps: this.#gaps,
      credentials: this.#kinds,
      funnel: this.#funnel,
      people: this.#people,
      recoveryAtRisk: this.#atRisk,
    };
  }
}
