/**
 * Options of `onboard()`, checked with zod when it is called.
 */
import { z } from "zod";
import { callable, clockSchema, nonEmpty, stateStoreSchema } from "../../core/schemas.js";
import { directorySourceSchema, directoryTargetSchema } from "../mirror/options.js";
import type { OnboardProgress } from "./result.js";

const DAY_SECONDS = 86_400;

export const onboardSchema = z
  .strictObject({
    source: directorySourceSchema,
    target: directoryTargetSchema,
    /** The mirror's StateStore: its quarantine is read, and the invitations are recorded there. */
    state: stateStoreSchema,
    /** The mirror's `name`: the campaign's records sit beside that mirror's checkpoints. */
    name: nonEmpty.default("default"),
    /** Ask for a password too (`UPDATE_PASSWORD`), after the passkey. */
    withPassword: z.boolean().default(false),
    /** E-mails (invitations and reminders) one `send()` sends at most. */
    batch: z.int().min(1).max(100_000).default(500),
    /** E-mails per second at most: Keycloak sends each one synchronously through the realm's SMTP server. */
    ratePerSecond: z.number().positive().max(1000).default(10),
    /** Keycloak calls in flight at once. */
    concurrency: z.int().min(1).max(32).default(4),
    /** A person invited this long ago (the last e-mail) who still has no credential gets a reminder. */
    remindAfterSeconds: z
      .number()
      .positive()
      .default(7 * DAY_SECONDS),
    /** Reminders per person at most; unlimited when omitted, none with 0. */
    maxReminders: z.int().min(0).optional(),
    /**
     * How long the link in the e-mail works (Keycloak's `lifespan`). Default: `remindAfterSeconds`, so a fresh
     * link arrives when the previous one expires (the realm's own default for admin-sent links is 12 hours).
     */
    lifespanSeconds: z.int().positive().optional(),
    /** The client whose `redirectUri` the person is sent to once done (Keycloak: `client_id`). */
    clientId: nonEmpty.optional(),
    /** Where the person lands once done; must be a valid redirect URI of `clientId`. */
    redirectUri: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).optional(),
    onProgress: callable<(progress: OnboardProgress) => void>().optional(),
    /** Stops `send()` between two e-mails; what was sent is recorded (status "stopped"). */
    signal: z.custom<AbortSignal>((v) => v instanceof AbortSignal, "must be an AbortSignal").optional(),
    /** Clock in epoch milliseconds (tests inject one): when people were invited, and when a reminder is due. */
    now: clockSchema.default(() => Date.now),
    /** Waits between e-mails to keep the rate (tests inject one). */
    sleep: callable<(ms: number) => Promise<void>>().default(
      () => (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
    ),
  })
  .refine((o) => o.redirectUri === undefined || o.clientId !== undefined, {
    path: ["clientId"],
    message: "redirectUri needs the clientId it belongs to (Keycloak checks it against that client)",
  });

/**
 * Options of {@link onboard}: whom to read (the mirror's source, target and StateStore), how fast and how much
 * to send, and when to remind.
 *
 * @example
 * const options: OnboardOptionsInput = {
 *   source,
 *   target,
 *   state, // the mirror's StateStore: its quarantine is respected, the invitations are recorded there
 *   batch: 500,
 *   ratePerSecond: 10,
 *   remindAfterSeconds: 7 * 86_400,
 *   clientId: "web",
 *   redirectUri: "https://app.example.eu/",
 * };
 */
export type OnboardOptionsInput = z.input<typeof onboardSchema>;
export type OnboardOptions = z.output<typeof onboardSchema>;

/** The required actions the e-mail asks for. */
export function actionsOf(o: Pick<OnboardOptions, "withPassword">): string[] {
  return o.withPassword
    ? ["webauthn-register-passwordless", "UPDATE_PASSWORD"]
    : ["webauthn-register-passwordless"];
}
