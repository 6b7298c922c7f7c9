/**
 * What an onboarding campaign reports: plain data, JSON-serialisable, so a
 * plan can be printed, stored or diffed.
 */

/**
 * One e-mail a campaign sends (or would): a first invitation, or a reminder to someone invited before.
 *
 * @example
 * const campaign = onboard({ source, target, state });
 * const plan = await campaign.plan();
 * for (const e of plan.batch) console.log(e.kind, e.email, e.kind === "remind" ? `reminder ${e.reminder}` : "");
 */
export interface OnboardEmail {
  readonly kind: "invite" | "remind";
  /** The person's `tid:oid`. */
  readonly key: string;
  readonly keycloakUserId: string;
  readonly username: string;
  readonly email: string;
  /** For a reminder: which one (1 for the first); 0 for an invitation. */
  readonly reminder: number;
  /** For a reminder: when the person was first invited (ISO 8601). */
  readonly invitedAt: string | undefined;
}

/**
 * Why mirrored people get no e-mail now, counted.
 *
 * @example
 * const { skipped } = await onboard({ source, target, state }).plan();
 * console.log(`${skipped.hasCredential} can already sign in; ${skipped.quarantined} quarantined by the mirror`);
 */
export interface OnboardSkipped {
  /** A password, a passkey or another credential at Keycloak, or a linked identity provider. */
  readonly hasCredential: number;
  readonly disabledAtKeycloak: number;
  /** Disabled at Entra, or no longer there (the copy may still be enabled: `disables` "hold"). */
  readonly disabledAtEntra: number;
  /** A disable at Entra the mirror has not copied, waiting for a person (`mirror release|confirm`). */
  readonly quarantined: number;
  /** Keycloak has no e-mail address for them. */
  readonly noEmail: number;
  /** Invited, the next reminder not due yet (whether they have a credential now is not asked). */
  readonly waiting: number;
  /** Invited and reminded `maxReminders` times. */
  readonly remindersExhausted: number;
}

/**
 * A realm setting that stops the e-mails: a required action disabled, no SMTP server.
 *
 * @example
 * for (const p of (await onboard({ source, target, state }).plan()).problems) console.error(`${p.what}: ${p.fix}`);
 */
export interface OnboardProblem {
  readonly what: string;
  readonly fix: string;
}

/**
 * What {@link Onboarding.send} would do now: the next batch, what is left after it, who is skipped and why.
 *
 * @example
 * const campaign = onboard({ source, target, state });
 * const plan = await campaign.plan();
 * console.log(`${plan.due.invite} to invite, ${plan.due.remind} reminders due; this batch: ${plan.batch.length}`);
 */
export interface OnboardPlan {
  readonly generatedAt: string;
  /** The required actions the e-mail asks for. */
  readonly actions: readonly string[];
  /** Mirrored people at Keycloak (carrying the key attribute). */
  readonly mirrored: number;
  /** Everyone an e-mail is due to now, batch or not. */
  readonly due: { readonly invite: number; readonly remind: number };
  /** The next `send()`: reminders first (oldest first), then invitations, at most `batch`. */
  readonly batch: readonly OnboardEmail[];
  /** Due, but beyond this batch: the next runs send them. */
  readonly remaining: number;
  readonly skipped: OnboardSkipped;
  /** People an earlier run was sending to when it stopped: counted as sent (an e-mail is never sent twice). */
  readonly inDoubt: readonly string[];
  /** Realm settings that would make `send()` fail; empty when it can send. */
  readonly problems: readonly OnboardProblem[];
}

/**
 * What {@link Onboarding.send} did.
 *
 * @example
 * const result = await onboard({ source, target, state, batch: 500 }).send();
 * console.log(`${result.sent.invite} invited, ${result.sent.remind} reminded, ${result.remaining} left for the next run`);
 */
export interface OnboardResult {
  /** `stopped`: the signal was aborted; what was sent is recorded, the next run goes on. */
  readonly status: "done" | "stopped";
  readonly sent: { readonly invite: number; readonly remind: number };
  /** Removed, disabled or left without an e-mail address at Keycloak between the read and the e-mail. */
  readonly vanished: number;
  readonly remaining: number;
  readonly skipped: OnboardSkipped;
  /** People an earlier run was sending to when it stopped: now recorded as sent, not sent again. */
  readonly inDoubt: readonly string[];
  /** Wall time of the sending, in milliseconds (the reads before it not included). */
  readonly sendingMs: number;
}

/**
 * Progress of a campaign run: reading both directories, then sending.
 *
 * @example
 * const campaign = onboard({ source, target, state, onProgress: (p) => console.error(p.phase, p.read, p.sent, p.total) });
 */
export interface OnboardProgress {
  readonly phase: "read" | "send";
  /** Mirrored people read at Keycloak so far. */
  readonly read: number;
  /** E-mails sent so far in this run. */
  readonly sent: number;
  /** E-mails this run sends (0 while reading). */
  readonly total: number;
}
