/**
 * Poll delivery (RFC 8936): for an app that cannot take inbound calls, a
 * loop asks the transmitter for waiting SETs, processes them, and on its
 * next request acknowledges the accepted ones (`ack`) and reports the
 * refused ones (`setErrs`), so each SET is settled exactly once.
 *
 * A SET that met an outage (keys unreachable, session index failing) is
 * neither acknowledged nor refused: the transmitter hands it out again. A SET
 * seen before is acknowledged again (our earlier acknowledgement was lost),
 * and its replay record keeps it from acting twice. Failed polls back off
 * (the pause doubles, up to a bound). Timers are unref'd, so a poller never
 * keeps a process alive, and `stop()` aborts the request in flight.
 */
import type { FetchLike } from "../../core/runtime.js";
import { malformed } from "./http.js";
import type { SetResult } from "./process.js";
import { descriptionOf, errorCodeOf } from "./push.js";

/** The settings of one poll loop. */
export interface PollSettings {
  readonly provider: string;
  /** The stream's poll URL (resolved lazily: it may come from the stream). */
  readonly endpoint: () => Promise<string>;
  readonly token: () => Promise<string>;
  readonly fetch: FetchLike;
  readonly process: (token: string) => Promise<SetResult>;
  readonly intervalMs: number;
  readonly maxBackoffMs: number;
  readonly maxEvents: number;
  readonly returnImmediately: boolean;
  /** Told when a poll fails (for the app's events); the loop carries on. */
  readonly onError?: ((err: unknown) => void) | undefined;
}

type SetErrors = Record<string, { err: string; description: string }>;

/** One transmitter's poll loop. */
export class Poller {
  readonly #settings: PollSettings;
  #running: Promise<void> | undefined;
  #abort: AbortController | undefined;
  #wake: (() => void) | undefined;

  constructor(settings: PollSettings) {
    this.#settings = settings;
  }

  get running(): boolean {
    return this.#running !== undefined;
  }

  /** Starts the loop; a second call while it runs does nothing. */
  start(): void {
    if (this.#running !== undefined) return;
    const abort = new AbortController();
    this.#abort = abort;
    this.#running = this.#loop(abort.signal).finally(() => {
      this.#running = undefined;
    });
  }

  /** Stops the loop and resolves once it has (the request in flight is aborted). */
  async stop(): Promise<void> {
    this.#abort?.abort();
    this.#wake?.();
    await this.#running;
  }

  async #loop(signal: AbortSignal): Promise<void> {
    let ack: string[] = [];
    let setErrs: SetErrors = {};
    let failures = 0;
    while (!signal.aborted) {
      let pause: number;
      try {
        const answer = await this.#poll(ack, setErrs, signal);
        ack = [];
        setErrs = {};
        failures = 0;
        for (const [jti, token] of Object.entries(answer.sets)) {
          const settled = await this.#settle(token);
          if (settled === "ack") ack.push(jti);
          else if (settled !== undefined) setErrs[jti] = settled;
        }
        // Settle at once what was just processed, and fetch on while more is waiting.
        const owed = ack.length > 0 || Object.keys(setErrs).length > 0;
        pause = answer.moreAvailable || owed ? 0 : this.#settings.intervalMs;
      } catch (err) {
        if (signal.aborted) break;
        this.#settings.onError?.(err);
        failures += 1;
        pause = Math.min(this.#settings.intervalMs * 2 ** failures, this.#settings.maxBackoffMs);
      }
      if (pause > 0) await this.#sleep(pause, signal);
    }
  }

  /** "ack", an error to report, or undefined (left for the transmitter to deliver again). */
  async #settle(token: unknown): Promise<"ack" | { err: string; description: string } | undefined> {
    if (typeof token !== "string") return { err: "invalid_request", description: descriptionOf("malformed") };
    let result: SetResult;
    try {
      result = await this.#settings.process(token);
    } catch (err) {
      this.#settings.onError?.(err);
      return undefined;
    }
    if (result.kind === "accepted" || result.reason === "replay") return "ack";
    return { err: errorCodeOf(result.reason), description: descriptionOf(result.reason) };
  }

  async #poll(
    ack: readonly string[],
    setErrs: SetErrors,
    signal: AbortSignal,
  ): Promise<{ sets: Record<string, unknown>; moreAvailable: boolean }> {
    const { provider, fetch, maxEvents, returnImmediately } = this.#settings;
    const [endpoint, bearer] = await Promise.all([this.#settings.endpoint(), this.#settings.token()]);
    // RFC 8936 §2.4: acknowledgements and errors ride on the next poll request.
    const body = {
      maxEvents,
      returnImmediately,
      ...(ack.length > 0 ? { ack } : {}),
      ...(Object.keys(setErrs).length > 0 ? { setErrs } : {}),
    };
    const response = await fetch(endpoint, {
      method: "POST",
      headers: {
        authorization: `Bearer ${bearer}`,
        "content-type": "application/json",
        accept: "application/json",
      },
      body: JSON.stringify(body),
      redirect: "manual",
      signal,
    });
    const text = await response.text();
    if (!response.ok) throw malformed(provider, `poll answered HTTP ${response.status}`);
    let answer: unknown;
    try {
      answer = JSON.parse(text);
    } catch {
      throw malformed(provider, "poll answered with invalid JSON");
    }
    const sets = (answer as { sets?: unknown } | null)?.sets;
    if (typeof sets !== "object" || sets === null || Array.isArray(sets)) {
      throw malformed(provider, "poll answer has no sets object");
    }
    return {
      sets: sets as Record<string, unknown>,
      moreAvailable: (answer as { moreAvailable?: unknown }).moreAvailable === true,
    };
  }

  #sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      const timer = setTimeout(done, ms) as unknown as { unref?: () => void };
      // A poller must never be the reason a process stays up (Node, Bun; other runtimes have no unref).
      timer.unref?.();
      this.#wake = done;
      function done(): void {
        clearTimeout(timer as unknown as number);
        resolve();
      }
    });
  }
}
