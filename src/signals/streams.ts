/**
 * One transmitter's stream, as the app manages it (`identity.signals.streams(id)`):
 * SSF 1.0's stream management with the receiver's own settings filled in —
 * the delivery method, push URL and secret, and the events to request — and
 * the stream's id remembered, so the app never has to carry it around.
 */
import type { StreamConfiguration, StreamRequest, StreamStatus, StreamSubject } from "./ssf/streams.js";
import type { Transmitter } from "./ssf/transmitter.js";

/** SSF 1.0 delivery method URIs. */
const PUSH = "urn:ietf:rfc:8935";
const POLL = "urn:ietf:rfc:8936";

/**
 * Stream management for one transmitter.
 *
 * @example
 * async function ensureStream(streams: TransmitterStreams) {
 *   const stream = (await streams.get()) ?? (await streams.create());
 *   await streams.verify(); // a verification event arrives on the stream
 *   return { stream, status: (await streams.status()).status }; // "enabled"
 * }
 */
export class TransmitterStreams {
  readonly #transmitter: Transmitter;

  constructor(transmitter: Transmitter) {
    this.#transmitter = transmitter;
  }

  /**
   * Creates the receiver's stream with the configured delivery, push URL and
   * secret, events and description; `overrides` replaces any of them.
   */
  async create(overrides: StreamRequest = {}): Promise<StreamConfiguration> {
    const stream = await this.#transmitter.streams.create({ ...this.#defaults(), ...overrides });
    this.#transmitter.remember(stream);
    return stream;
  }

  /** The receiver's stream as the transmitter reports it now, or undefined when it has none. */
  async get(): Promise<StreamConfiguration | undefined> {
    const stream = await this.#transmitter.streams.get();
    this.#transmitter.remember(stream);
    return stream;
  }

  /** Changes some members of the stream (PATCH). */
  async update(changes: StreamRequest): Promise<StreamConfiguration> {
    const stream = await this.#transmitter.streams.update(await this.#id(), changes);
    this.#transmitter.remember(stream);
    return stream;
  }

  /** Replaces the stream's receiver-supplied members (PUT). */
  async replace(configuration: StreamRequest): Promise<StreamConfiguration> {
    const stream = await this.#transmitter.streams.replace(await this.#id(), configuration);
    this.#transmitter.remember(stream);
    return stream;
  }

  /** Deletes the stream; the transmitter sends nothing more. */
  async delete(): Promise<void> {
    await this.#transmitter.streams.delete(await this.#id());
    this.#transmitter.remember(undefined);
  }

  /** The stream's status as the transmitter reports it. */
  async status(): Promise<StreamStatus> {
    return this.#transmitter.streams.status(await this.#id());
  }

  /** Enables, pauses or disables the stream. */
  async setStatus(status: StreamStatus["status"], reason?: string): Promise<StreamStatus> {
    return this.#transmitter.streams.setStatus(await this.#id(), status, reason);
  }

  /** Asks for events about `subject` (a transmitter with `default_subjects: NONE` sends none until asked). */
  async addSubject(subject: StreamSubject, verified = true): Promise<void> {
    await this.#transmitter.streams.addSubject(await this.#id(), subject, verified);
  }

  /** Stops events about `subject`. */
  async removeSubject(subject: StreamSubject): Promise<void> {
    await this.#transmitter.streams.removeSubject(await this.#id(), subject);
  }

  /**
   * Asks the transmitter for a verification event; resolves to the `state`
   * it will carry (reported as `verificationState` of the `signal` event).
   */
  async verify(state: string = randomState()): Promise<string> {
    await this.#transmitter.streams.verify(await this.#id(), state);
    return state;
  }

  async #id(): Promise<string> {
    return (await this.#transmitter.stream()).stream_id;
  }

  #defaults(): StreamRequest {
    const { delivery, eventsRequested, description } = this.#transmitter.options;
    const method =
      delivery.method === "push"
        ? {
            method: PUSH,
            ...(delivery.endpointUrl === undefined ? {} : { endpoint_url: delivery.endpointUrl }),
            authorization_header: delivery.authorization,
          }
        : { method: POLL };
    return {
      delivery: method,
      events_requested: eventsRequested,
      ...(description === undefined ? {} : { description }),
    };
  }
}

function randomState(): string {
  return crypto.randomUUID();
}
