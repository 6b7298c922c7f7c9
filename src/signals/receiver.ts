/**
 * The Shared Signals receiver: one object per app that hears every configured
 * transmitter — by push (a web-standard request handler to mount) or by poll
 * (loops started and stopped explicitly) — and manages each transmitter's
 * stream. Whatever the delivery, a SET goes through the same verification
 * and the same actions (ssf/process.ts); a signal only ever ends access.
 */
import { invalidConfiguration } from "../core/config.js";
import type { ConfigIssue } from "../core/errors.js";
import { guardedFetch } from "../core/http.js";
import { createRuntime, type FetchLike } from "../core/runtime.js";
import type { StateStore } from "../core/state-store.js";
import type { SessionRevoker } from "../sessions/revoker.js";
import type { SignalEvent, SignalListener } from "./events.js";
import { parseSignalsOptions, type ResolvedSignalsOptions, type SignalsOptions } from "./options.js";
import type { StreamTokenSource } from "./ssf/bearer.js";
import { Poller } from "./ssf/poll.js";
import { type ProcessContext, processSet } from "./ssf/process.js";
import { createPushHandler, type PushHandler } from "./ssf/push.js";
import { SecretMatcher } from "./ssf/secret.js";
import { Transmitter } from "./ssf/transmitter.js";
import { TransmitterStreams } from "./streams.js";

/**
 * What the receiver is built on, besides its options.
 *
 * @example
 * const deps: SignalReceiverDeps = {
 *   // The session index; createIdentity passes its own.
 *   revoker: { end: async () => 0, accountDecided: async () => 0 },
 *   state,
 *   onSignal: (e) => console.info("signal", e.outcome, e.eventType),
 * };
 */
export interface SignalReceiverDeps {
  /** The session index: the only thing a signal may act on. */
  readonly revoker: SessionRevoker;
  /** Where each SET's `jti` is remembered (shared between app instances, so a replay is refused by all). */
  readonly state: StateStore;
  /** The fetch every request goes through; default the global one. */
  readonly fetch?: FetchLike | undefined;
  /** The current time in epoch milliseconds; default `Date.now`. */
  readonly now?: (() => number) | undefined;
  /** Budget of one call to a transmitter (metadata, keys, stream API), in ms; default 5 s. */
  readonly timeoutMs?: number | undefined;
  /** Told about every event received, ignored or refused (never with token contents). */
  readonly onSignal?: SignalListener | undefined;
  /**
   * Told when a poll or the processing of a polled SET failed (an outage, a
   * failing session index); the loop carries on and backs off. The error is
   * an `IdSwitchError` (never holding a token) or what the session index threw.
   */
  readonly onPollError?: ((transmitter: string, error: unknown) => void) | undefined;
  /**
   * The bearer token for a transmitter's stream API and poll endpoint, when the
   * app supplies it (e.g. a configured provider's client credentials);
   * otherwise the transmitter's `clientCredentials` are used.
   */
  readonly streamToken?:
    | ((transmitter: { readonly id: string; readonly provider: string }) => Promise<string>)
    | undefined;
}

/**
 * Receives Shared Signals (SSF 1.0; CAEP and RISC events) from the configured
 * transmitters and ends the sessions they name. Create it with
 * {@link createSignalReceiver}.
 *
 * @example
 * async function run(receiver: SignalReceiver, request: Request): Promise<Response> {
 *   receiver.start(); // poll transmitters begin polling; push needs only the route
 *   const answer = await receiver.push(request); // 202, or RFC 8935 error JSON
 *   await receiver.stop();
 *   return answer;
 * }
 */
export class SignalReceiver {
  /**
   * The push route (RFC 8935): mount it on `POST {basePath}/signals`. Answers
   * 202 on acceptance, RFC 8935 error JSON otherwise.
   */
  readonly push: PushHandler;
  readonly #transmitters: ReadonlyMap<string, Transmitter>;
  readonly #pollers: readonly Poller[];
  readonly #streams = new Map<string, TransmitterStreams>();

  constructor(options: ResolvedSignalsOptions, deps: SignalReceiverDeps) {
    const now = deps.now ?? Date.now;
    const emit = (event: SignalEvent): void => {
      try {
        deps.onSignal?.(event);
      } catch {
        // A broken listener must not stop revocations.
      }
    };
    const context: ProcessContext = {
      revoker: deps.revoker,
      state: deps.state,
      now,
      clockToleranceSeconds: options.clockToleranceSeconds,
      maxAgeSeconds: options.maxAgeSeconds,
      emit,
    };
    checkTokenSources(options, deps);
    const transmitters = new Map<string, Transmitter>();
    const pollers: Poller[] = [];
    const pushSecrets: Array<readonly [string, Transmitter]> = [];
    for (const settings of options.transmitters) {
      const transmitter = transmitterFor(settings, deps, now);
      transmitters.set(transmitter.id, transmitter);
      const delivery = settings.delivery;
      if (delivery.method === "push") {
        pushSecrets.push([delivery.authorization, transmitter]);
        continue;
      }
      pollers.push(pollerFor(transmitter, delivery, deps, context));
    }
    this.#transmitters = transmitters;
    this.#pollers = pollers;
    const secrets = new SecretMatcher(pushSecrets);
    this.push = createPushHandler(secrets, (set, transmitter) =>
      processSet(set, transmitter, "push", context),
    );
  }

  /** The ids of the configured transmitters. */
  get transmitters(): readonly string[] {
    return [...this.#transmitters.keys()];
  }

  /** Starts polling every poll transmitter (push needs nothing started). Idempotent. */
  start(): void {
    for (const poller of this.#pollers) poller.start();
  }

  /** Stops every poll loop; resolves when they have stopped. */
  async stop(): Promise<void> {
    await Promise.all(this.#pollers.map((poller) => poller.stop()));
  }

  /** The stream management of one transmitter (`TypeError` for an id that is not configured). */
  streams(transmitterId: string): TransmitterStreams {
    const transmitter = this.#transmitters.get(transmitterId);
    if (transmitter === undefined) throw new TypeError(`no transmitter "${transmitterId}" is configured`);
    let streams = this.#streams.get(transmitterId);
    if (streams === undefined) {
      streams = new TransmitterStreams(transmitter);
      this.#streams.set(transmitterId, streams);
    }
    return streams;
  }
}

/**
 * A transmitter whose stream cannot be read needs its audience configured, and polling always
 * needs a token: caught at start rather than as a 503 on every push.
 */
function checkTokenSources(options: ResolvedSignalsOptions, deps: SignalReceiverDeps): void {
  const issues: ConfigIssue[] = [];
  options.transmitters.forEach((t, i) => {
    if (t.clientCredentials !== undefined || deps.streamToken !== undefined) return;
    const at = `signals.transmitters[${i}]`;
    if (t.delivery.method === "poll") {
      issues.push({
        path: `${at}.clientCredentials`,
        message: "is required to poll (or pass a streamToken function)",
      });
    } else if (t.audience === undefined) {
      issues.push({
        path: `${at}.audience`,
        message: "is required when the stream cannot be read (no clientCredentials or streamToken function)",
      });
    }
  });
  if (issues.length > 0) throw invalidConfiguration(issues);
}

/** One transmitter, calling out through the guarded fetch of its provider. */
function transmitterFor(
  settings: ResolvedSignalsOptions["transmitters"][number],
  deps: SignalReceiverDeps,
  now: () => number,
): Transmitter {
  const runtime = createRuntime({ fetch: deps.fetch, now, timeoutMs: deps.timeoutMs });
  const id = settings.id ?? settings.provider;
  const source = deps.streamToken;
  const token: StreamTokenSource | undefined =
    source === undefined ? undefined : () => source({ id, provider: settings.provider });
  return new Transmitter(settings, guardedFetch(runtime, settings.provider), now, token);
}

type PollDelivery = Extract<ResolvedSignalsOptions["transmitters"][number]["delivery"], { method: "poll" }>;

/** One poll transmitter's loop, with its own time budget: a long poll outlasts an ordinary call. */
function pollerFor(
  transmitter: Transmitter,
  delivery: PollDelivery,
  deps: SignalReceiverDeps,
  context: ProcessContext,
): Poller {
  const runtime = createRuntime({ fetch: deps.fetch, now: context.now, timeoutMs: delivery.timeoutMs });
  return new Poller({
    provider: transmitter.provider,
    endpoint: async () => delivery.endpointUrl ?? pollEndpointOf(await transmitter.stream()),
    token: () => transmitter.token(),
    fetch: guardedFetch(runtime, transmitter.provider),
    process: (set) => processSet(set, transmitter, "poll", context),
    intervalMs: delivery.intervalMs,
    maxBackoffMs: delivery.maxBackoffMs,
    maxEvents: delivery.maxEvents,
    returnImmediately: delivery.returnImmediately,
    onError: (error) => {
      try {
        deps.onPollError?.(transmitter.id, error);
      } catch {
        // As for onSignal: a broken listener must not stop the loop.
      }
    },
  });
}

function pollEndpointOf(stream: {
  readonly delivery?: { readonly endpoint_url?: string | undefined } | undefined;
}): string {
  const url = stream.delivery?.endpoint_url;
  if (typeof url !== "string") throw new TypeError("the stream reports no poll endpoint_url");
  return url;
}

/**
 * Checks `options` and builds the receiver. Throws `config_invalid` naming
 * each problem by its path (`signals.transmitters[0].issuer`).
 *
 * @example
 * const revoker = { end: async () => 0, accountDecided: async () => 0 }; // createIdentity passes its session index
 * const receiver = createSignalReceiver(
 *   {
 *     transmitters: [{
 *       provider: "eu",
 *       issuer: "https://auth.example.eu/realms/acme",
 *       delivery: { method: "poll" },
 *       clientCredentials: { clientId: "ssf-receiver", clientSecret: env.KEYCLOAK_SECRET },
 *     }],
 *   },
 *   { revoker, state },
 * );
 * await receiver.streams("eu").create();
 * receiver.start();
 */
export function createSignalReceiver(options: SignalsOptions, deps: SignalReceiverDeps): SignalReceiver {
  return new SignalReceiver(parseSignalsOptions(options), deps);
}
