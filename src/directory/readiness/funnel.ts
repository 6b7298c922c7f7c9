/**
 * The onboarding funnel: mirrored → invited → registered. "Invited" is the
 * onboarding campaign's record in the mirror's StateStore (written by
 * src/directory/onboard/), read here through {@link invitations} only, so the
 * key and the shape live in one place on this side.
 */
import type { StateStore, StateValue } from "../../core/state-store.js";

/**
 * One person's invitation, as the onboarding campaign records it.
 *
 * @example
 * const invited = await invitations(state, "default");
 * const late = [...invited].filter(([, i]) => i.reminders >= 2).map(([key]) => key);
 */
export interface Invitation {
  /** When the first invitation went out (ISO 8601). */
  readonly invitedAt: string;
  /** Reminders sent since. */
  readonly reminders: number;
}

/**
 * The onboarding funnel of people enabled at Entra (people disabled there are not invited anywhere).
 * Each stage counts people, not e-mails.
 *
 * @example
 * const { funnel } = await readiness({ source, target, state });
 * console.log(`${funnel.registered} of ${funnel.people} registered; ${funnel.invited - funnel.invitedRegistered} invited, not yet`);
 */
export interface ReadinessFunnel {
  /** Enabled at Entra. */
  readonly people: number;
  /** …with an account at Keycloak (found by their key). */
  readonly mirrored: number;
  /** …mirrored and invited by the onboarding campaign (its record in the StateStore). */
  readonly invited: number;
  /** …mirrored with a way to sign in (a credential or a linked identity provider), invited or not. */
  readonly registered: number;
  /** …invited and registered: `invited - invitedRegistered` were invited and have not registered yet. */
  readonly invitedRegistered: number;
}

/** The StateStore key of the onboarding campaign `name`'s invitations. */
function invitedKey(name: string): string {
  return `idswitch:onboard:${name}:invited`;
}

/**
 * Who the onboarding campaign `name` has invited, by Entra key (`tid:oid`): read from key
 * `idswitch:onboard:${name}:invited` of the mirror's StateStore, whose value is
 * `{ [entraKey]: { invitedAt, reminders } }`. Nothing recorded means nobody invited.
 *
 * @example
 * const invited = await invitations(state, "default");
 * console.log(invited.has(`${tenantId}:${objectId}`) ? "invited" : "not invited yet");
 */
export async function invitations(state: StateStore, name: string): Promise<ReadonlyMap<string, Invitation>> {
  const stored = await state.get(invitedKey(name));
  const invited = new Map<string, Invitation>();
  if (!isRecord(stored)) return invited;
  for (const [key, entry] of Object.entries(stored)) {
    // A record is the campaign's word that it invited this person; a field it left out does not undo that.
    const fields = isRecord(entry) ? entry : {};
    invited.set(key, {
      invitedAt: typeof fields.invitedAt === "string" ? fields.invitedAt : "",
      reminders: typeof fields.reminders === "number" ? fields.reminders : 0,
    });
  }
  return invited;
}

function isRecord(value: StateValue | undefined): value is { readonly [key: string]: StateValue } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
