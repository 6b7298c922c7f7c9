/**
 * What a signal receiver tells the application about each event it handled:
 * enough to count, alert and audit, never the token or its claims (a SET
 * names people; the app's logs need not).
 */

/**
 * One event of a received SET, or a SET refused as a whole.
 *
 * @example
 * const onSignal = (e: SignalEvent) => {
 *   if (e.outcome === "refused") console.warn(`SET from ${e.transmitter} refused: ${e.reason}`);
 * };
 */
export interface SignalEvent {
  /** The configured transmitter id. */
  readonly transmitter: string;
  /** The provider id the transmitter speaks for. */
  readonly provider: string;
  /** How the SET came: pushed to the app (RFC 8935) or polled by it (RFC 8936). */
  readonly delivery: "push" | "poll";
  /**
   * `received`: verified and acted on (or, for a verification or stream
   * event, acknowledged); `ignored`: verified, acknowledged, and nothing done
   * (an event type idswitch does not act on, or a subject it cannot map
   * safely — `reason` says which); `refused`: the SET failed verification or
   * was a replay, and nothing was done.
   */
  readonly outcome: "received" | "ignored" | "refused";
  /** The event type URI; absent when the SET was refused (its contents are not trusted). */
  readonly eventType?: string | undefined;
  /**
   * `ignored`: `unknown_event`, `email_subject`, `foreign_issuer`,
   * `no_subject`, `unsupported_format`; `refused`: the `token_invalid`
   * reason (`signature`, `issuer`, `audience`, …) or `replay`.
   */
  readonly reason?: string | undefined;
  /** How many sessions ended because of this event. */
  readonly ended?: number | undefined;
  /** A verification event's `state` (SSF 1.0): the value the app sent with its verification request. */
  readonly verificationState?: string | undefined;
}

/**
 * Receives every {@link SignalEvent}. Runs synchronously; a throw is swallowed
 * (a broken dashboard must not stop revocations).
 *
 * @example
 * const listener: SignalListener = (e) => {
 *   if (e.reason === "email_subject") console.warn(`${e.transmitter} names people by email: ask it for iss_sub`);
 * };
 */
export type SignalListener = (event: SignalEvent) => void;
