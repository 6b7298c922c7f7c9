/**
 * Whom a campaign e-mails now: every mirrored person at Keycloak, read once,
 * against the rules — enabled at Keycloak and at Entra, not quarantined by
 * the mirror, an e-mail address, no credential and no linked identity
 * provider — and against the invitations already sent (a reminder only once
 * `remindAfterSeconds` have passed since the last e-mail).
 *
 * The credentials are asked for last, and only of people otherwise due: two
 * Admin API calls per person is the cost of the whole read.
 */
import { eachLimited } from "../mirror/context.js";
import { quarantinedPeople } from "../mirror/quarantine.js";
import type { TargetUser } from "../types.js";
import type { Invitations } from "./invitations.js";
import type { OnboardOptions } from "./options.js";
import type { OnboardEmail, OnboardSkipped } from "./result.js";

type Skip = keyof OnboardSkipped;

export interface Selection {
  readonly mirrored: number;
  /** Reminders, oldest last e-mail first. */
  readonly remind: OnboardEmail[];
  /** Invitations, in Keycloak's order. */
  readonly invite: OnboardEmail[];
  readonly skipped: OnboardSkipped;
}

/** People whose credentials are asked for at once (`concurrency` at a time). */
const CHUNK = 100;

export async function select(
  o: OnboardOptions,
  invitations: Invitations,
  onRead: (read: number) => void,
): Promise<Selection> {
  const quarantined = new Set((await quarantinedPeople(o.state, o.name)).map((q) => q.key));
  const enabledAtEntra = new Set<string>();
  for await (const user of o.source.users()) if (user.accountEnabled) enabledAtEntra.add(user.key);
  const skipped: Record<Skip, number> = {
    hasCredential: 0,
    disabledAtKeycloak: 0,
    disabledAtEntra: 0,
    quarantined: 0,
    noEmail: 0,
    waiting: 0,
    remindersExhausted: 0,
  };
  const remind: OnboardEmail[] = [];
  const invite: OnboardEmail[] = [];
  const lastSent = new Map<string, string>();
  let mirrored = 0;
  let candidates: OnboardEmail[] = [];
  const flush = async () => {
    const batch = candidates;
    candidates = [];
    const verdicts = new Map<string, boolean>();
    await eachLimited(batch, o.concurrency, async (e) => {
      const means = await o.target.signInMeans(e.keycloakUserId);
      verdicts.set(e.key, means.brokered || means.credentials.length > 0);
    });
    for (const e of batch) {
      if (verdicts.get(e.key)) skipped.hasCredential++;
      else (e.kind === "remind" ? remind : invite).push(e);
    }
  };
  for await (const user of o.target.mirroredUsers()) {
    mirrored++;
    const verdict = classify(o, invitations, user, { quarantined, enabledAtEntra });
    if (typeof verdict === "string") skipped[verdict]++;
    else {
      candidates.push(verdict.email);
      if (verdict.lastSentAt) lastSent.set(verdict.email.key, verdict.lastSentAt);
    }
    if (candidates.length >= CHUNK) await flush();
    onRead(mirrored);
  }
  await flush();
  remind.sort((a, b) => (lastSent.get(a.key) ?? "").localeCompare(lastSent.get(b.key) ?? ""));
  return { mirrored, remind, invite, skipped };
}

function classify(
  o: OnboardOptions,
  invitations: Invitations,
  user: TargetUser,
  known: { quarantined: ReadonlySet<string>; enabledAtEntra: ReadonlySet<string> },
): Skip | { email: OnboardEmail; lastSentAt: string | undefined } {
  const key = user.key as string;
  if (!user.enabled) return "disabledAtKeycloak";
  // Quarantined before disabled at Entra: it says more (a disable waiting for a person to settle).
  if (known.quarantined.has(key)) return "quarantined";
  if (!known.enabledAtEntra.has(key)) return "disabledAtEntra";
  if (!user.email) return "noEmail";
  const base = { key, keycloakUserId: user.id, username: user.username, email: user.email };
  const invited = invitations.invited.get(key);
  if (!invited)
    return { email: { ...base, kind: "invite", reminder: 0, invitedAt: undefined }, lastSentAt: undefined };
  if (o.maxReminders !== undefined && invited.reminders >= o.maxReminders) return "remindersExhausted";
  if (o.now() - Date.parse(invited.lastSentAt) < o.remindAfterSeconds * 1000) return "waiting";
  return {
    email: { ...base, kind: "remind", reminder: invited.reminders + 1, invitedAt: invited.invitedAt },
    lastSentAt: invited.lastSentAt,
  };
}
