/**
 * Who was invited and when, in the StateStore beside the mirror's
 * checkpoints: `idswitch:onboard:<name>:invited` maps each person's `tid:oid`
 * to an {@link InvitationRecord} (the readiness report reads it for its funnel).
 *
 * Sending is write-ahead: the people of a chunk are first written to
 * `idswitch:onboard:<name>:sending`, then e-mailed, then moved to `invited`.
 * A run killed in between leaves them in `sending`; the next run cannot know
 * whether Keycloak had sent their e-mail, and counts them as invited (reported
 * as in doubt): a reminder reaches them later, a second invitation never does.
 */
import type { StateStore } from "../../core/state-store.js";
import { Ledger } from "../mirror/quarantine.js";

/** One person's invitation, as stored (readiness/funnel.ts reads `invitedAt` and `reminders`). */
export interface InvitationRecord {
  /** The first e-mail (ISO 8601). */
  readonly invitedAt: string;
  /** Reminders sent since. */
  readonly reminders: number;
  /** The last e-mail, invitation or reminder (ISO 8601): the next reminder is counted from it. */
  readonly lastSentAt: string;
}

/** An e-mail about to be sent: kept until it is recorded in `invited`. */
export interface Sending {
  readonly key: string;
  readonly at: string;
  readonly kind: "invite" | "remind";
}

/** The StateStore key of a campaign's invitations: `idswitch:onboard:<name>:invited`, `name` being the mirror's. */
export function invitationsKey(name: string): string {
  return `idswitch:onboard:${name}:invited`;
}

function sendingKey(name: string): string {
  return `idswitch:onboard:${name}:sending`;
}

/** The two ledgers of one run; `dryRun` (a plan) changes them in memory only. */
export class Invitations {
  private constructor(
    readonly invited: Ledger<InvitationRecord>,
    readonly sending: Ledger<Sending>,
  ) {}

  static async load(store: StateStore, name: string, dryRun: boolean): Promise<Invitations> {
    return new Invitations(
      await Ledger.load<InvitationRecord>(store, invitationsKey(name), dryRun),
      await Ledger.load<Sending>(store, sendingKey(name), dryRun),
    );
  }

  /**
   * E-mails an earlier run was sending when it stopped: recorded as sent, at the moment it meant to. Returns
   * whom, so the report can say so.
   */
  async settleInDoubt(): Promise<string[]> {
    const doubt: string[] = [];
    for (const intent of this.sending.values()) {
      const { key } = intent;
      const have = this.invited.get(key);
      // Recorded as sent after all (killed between the two saves): nothing is in doubt.
      if (!have || (intent.kind === "remind" && have.lastSentAt < intent.at)) {
        this.record(key, intent.kind, intent.at);
        doubt.push(key);
      }
      this.sending.delete(key);
    }
    await this.save();
    return doubt;
  }

  /** Writes down, before sending, whom this chunk e-mails. */
  async intend(emails: readonly { key: string; kind: Sending["kind"] }[], at: string): Promise<void> {
    for (const { key, kind } of emails) this.sending.set(key, { key, at, kind });
    await this.sending.save();
  }

  /** The e-mail went out: recorded, the intent dropped. */
  sent(key: string, kind: Sending["kind"], at: string): void {
    this.record(key, kind, at);
    this.sending.delete(key);
  }

  /** Keycloak did not send it (the person vanished, or the call failed): no intent left behind. */
  abandon(key: string): void {
    this.sending.delete(key);
  }

  record(key: string, kind: "invite" | "remind", at: string): void {
    const have = this.invited.get(key);
    if (kind === "invite" || !have) {
      this.invited.set(key, {
        invitedAt: have?.invitedAt ?? at,
        reminders: have?.reminders ?? 0,
        lastSentAt: at,
      });
    } else {
      this.invited.set(key, { ...have, reminders: have.reminders + 1, lastSentAt: at });
    }
  }

  /** `invited` first: killed between the two, the intent is found settled already. */
  async save(): Promise<void> {
    await this.invited.save();
    await this.sending.save();
  }
}
