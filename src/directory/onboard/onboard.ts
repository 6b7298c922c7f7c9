/**
 * `onboard()`: the passkey onboarding campaign. Mirrored people who cannot
 * sign in at the spare yet (no credential, no linked identity provider) get
 * Keycloak's execute-actions e-mail asking them to register a passkey
 * (`webauthn-register-passwordless`), in batches, at a bounded rate, with a
 * reminder each `remindAfterSeconds` until they have one.
 *
 * - Never e-mailed: people disabled at Keycloak or at Entra, or quarantined by
 *   the mirror (a disable at Entra waiting for a person to settle).
 * - Resumable: each chunk is written down before it is sent and recorded once
 *   sent (invitations.ts); a run killed at any point is finished by the next,
 *   and nobody gets the same e-mail twice.
 * - `plan()` walks the same path and sends nothing.
 */
import { parseConfig } from "../../core/config.js";
import { IdSwitchError } from "../../core/errors.js";
import type { KeycloakHttp } from "../keycloak/http.js";
import { eachLimited } from "../mirror/context.js";
import { type EmailParameters, realmProblems, sendActionsEmail } from "./email.js";
import { Invitations } from "./invitations.js";
import { actionsOf, type OnboardOptions, type OnboardOptionsInput, onboardSchema } from "./options.js";
import { pacer } from "./pace.js";
import type { OnboardEmail, OnboardPlan, OnboardResult } from "./result.js";
import { select } from "./select.js";

/** E-mails written down (then recorded) together: a kill leaves at most this many in doubt. */
const CHUNK = 10;

/**
 * A campaign, made by {@link onboard}: look first (`plan`), then send a batch (`send`).
 *
 * @example
 * const campaign = onboard({ source, target, state, batch: 500 });
 * const plan = await campaign.plan();
 * if (plan.problems.length === 0) console.log((await campaign.send()).sent);
 */
export interface Onboarding {
  /** What `send()` would do now. Reads Keycloak, Entra and the StateStore; sends and records nothing. */
  plan(): Promise<OnboardPlan>;
  /**
   * Sends the next batch and records it. Throws an `IdSwitchError`: `config_invalid` when the realm cannot send
   * (see `plan().problems`) or Keycloak refuses the request, `provider_unavailable` when Keycloak or Entra
   * fails (what was sent is recorded: run again).
   */
  send(): Promise<OnboardResult>;
}

/**
 * @example
 * // Every mirrored person without a credential at the spare: a passkey invitation, then a reminder each week.
 * const campaign = onboard({ source, target, state, batch: 500, ratePerSecond: 10, remindAfterSeconds: 7 * 86_400 });
 * const result = await campaign.send();
 * console.log(`${result.sent.invite} invited, ${result.remaining} left for the next run`);
 */
export function onboard(options: OnboardOptionsInput): Onboarding {
  const o = parseConfig(onboardSchema, options, "onboard");
  return {
    plan: () => plan(o),
    send: () => send(o),
  };
}

interface Prepared {
  readonly invitations: Invitations;
  readonly inDoubt: string[];
  readonly selection: Awaited<ReturnType<typeof select>>;
  readonly due: OnboardEmail[];
}

async function prepare(o: OnboardOptions, dryRun: boolean): Promise<Prepared> {
  const invitations = await Invitations.load(o.state, o.name, dryRun);
  const inDoubt = await invitations.settleInDoubt();
  const progress = (read: number) => o.onProgress?.({ phase: "read", read, sent: 0, total: 0 });
  const selection = await select(o, invitations, progress);
  return { invitations, inDoubt, selection, due: [...selection.remind, ...selection.invite] };
}

async function plan(o: OnboardOptions): Promise<OnboardPlan> {
  const actions = actionsOf(o);
  const { inDoubt, selection, due } = await prepare(o, true);
  const batch = due.slice(0, o.batch);
  return {
    generatedAt: new Date(o.now()).toISOString(),
    actions,
    mirrored: selection.mirrored,
    due: { invite: selection.invite.length, remind: selection.remind.length },
    batch,
    remaining: due.length - batch.length,
    skipped: selection.skipped,
    inDoubt,
    problems: await realmProblems(http(o), actions),
  };
}

async function send(o: OnboardOptions): Promise<OnboardResult> {
  const actions = actionsOf(o);
  const problems = await realmProblems(http(o), actions);
  if (problems.length > 0) {
    throw new IdSwitchError("config_invalid", `${o.target.id}: ${problems.map((p) => p.what).join("; ")}`, {
      provider: o.target.id,
      reason: "realm_cannot_send",
      issues: problems.map((p) => ({ path: `realm ${http(o).realm}`, message: `${p.what}; ${p.fix}` })),
    });
  }
  const { invitations, inDoubt, selection, due } = await prepare(o, false);
  const batch = due.slice(0, o.batch);
  const parameters: EmailParameters = {
    actions,
    lifespanSeconds: o.lifespanSeconds ?? Math.round(o.remindAfterSeconds),
    clientId: o.clientId,
    redirectUri: o.redirectUri,
  };
  const sent = { invite: 0, remind: 0 };
  let vanished = 0;
  const started = performance.now();
  const pace = pacer(o.ratePerSecond, () => performance.now(), o.sleep);
  let status: OnboardResult["status"] = "done";
  for (let i = 0; i < batch.length; i += CHUNK) {
    if (o.signal?.aborted) {
      status = "stopped";
      break;
    }
    const chunk = batch.slice(i, i + CHUNK);
    await invitations.intend(chunk, new Date(o.now()).toISOString());
    const attempted = new Set<string>();
    try {
      await eachLimited(chunk, o.concurrency, async (e) => {
        await pace.turn();
        attempted.add(e.key);
        const outcome = await sendOne(o, invitations, e, parameters);
        if (outcome === "sent") sent[e.kind]++;
        else vanished++;
        const total = batch.length;
        o.onProgress?.({ phase: "send", read: selection.mirrored, sent: sent.invite + sent.remind, total });
      });
    } finally {
      for (const e of chunk) if (!attempted.has(e.key)) invitations.abandon(e.key);
      await invitations.save();
    }
  }
  const done = sent.invite + sent.remind + vanished;
  return {
    status,
    sent,
    vanished,
    remaining: due.length - done,
    skipped: selection.skipped,
    inDoubt,
    sendingMs: Math.round(performance.now() - started),
  };
}

/** One e-mail, recorded; an answer that leaves it unknown whether Keycloak sent it keeps it in doubt. */
async function sendOne(
  o: OnboardOptions,
  invitations: Invitations,
  e: OnboardEmail,
  parameters: EmailParameters,
): Promise<"sent" | "vanished" | "refused"> {
  let outcome: Awaited<ReturnType<typeof sendActionsEmail>>;
  try {
    outcome = await sendActionsEmail(http(o), e.keycloakUserId, parameters);
  } catch (err) {
    // No answer at all (the network, a timeout): the request may have reached Keycloak. Else it answered: not sent.
    if (!(err instanceof IdSwitchError && err.reason === "network")) invitations.abandon(e.key);
    throw err;
  }
  if (outcome === "sent") invitations.sent(e.key, e.kind, new Date(o.now()).toISOString());
  else invitations.abandon(e.key);
  return outcome;
}

function http(o: OnboardOptions): KeycloakHttp {
  return o.target.http;
}
