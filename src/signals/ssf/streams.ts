/**
 * The transmitter's stream management API (SSF 1.0, "Event Stream
 * Management"): create, read, update, replace and delete the stream, read and
 * set its status, add and remove subjects, and ask for a verification event.
 * Each call carries the receiver's bearer token; every refusal is an
 * `IdSwitchError` with the transmitter's own `error` kept as its cause.
 */
import type { FetchLike } from "../../core/runtime.js";
import type { StreamTokenSource } from "./bearer.js";
import { malformed, requestJson } from "./http.js";
import type { TransmitterMetadata } from "./metadata.js";

/**
 * A stream's configuration as the transmitter reports it (SSF 1.0 "Stream
 * Configuration"); members other than these are kept as they came.
 *
 * @example
 * const stream: StreamConfiguration = { stream_id: "2e6effdc", iss: "https://auth.example.eu/realms/acme", aud: "ssf-receiver/2e6effdc" };
 */
export interface StreamConfiguration {
  readonly stream_id: string;
  readonly iss?: string | undefined;
  readonly aud?: string | readonly string[] | undefined;
  readonly events_supported?: readonly string[] | undefined;
  readonly events_requested?: readonly string[] | undefined;
  readonly events_delivered?: readonly string[] | undefined;
  readonly delivery?:
    | {
        readonly method: string;
        readonly endpoint_url?: string | undefined;
        readonly authorization_header?: string;
      }
    | undefined;
  readonly min_verification_interval?: number | undefined;
  readonly description?: string | undefined;
  readonly [member: string]: unknown;
}

/**
 * What the app may set on a stream: SSF 1.0's receiver-supplied members.
 *
 * @example
 * const changes: StreamRequest = { events_requested: ["https://schemas.openid.net/secevent/caep/event-type/session-revoked"] };
 */
export interface StreamRequest {
  readonly delivery?: {
    readonly method: string;
    readonly endpoint_url?: string;
    readonly authorization_header?: string;
  };
  readonly events_requested?: readonly string[];
  readonly description?: string;
  readonly [member: string]: unknown;
}

/**
 * A stream's status (SSF 1.0 "Stream Status"): `enabled`, `paused` or `disabled`.
 *
 * @example
 * const status: StreamStatus = { stream_id: "2e6effdc", status: "paused", reason: "maintenance" };
 */
export interface StreamStatus {
  readonly stream_id: string;
  readonly status: "enabled" | "paused" | "disabled";
  readonly reason?: string | undefined;
}

/**
 * A subject to add to or remove from a stream (RFC 9493 subject identifier).
 *
 * @example
 * const ada: StreamSubject = { format: "iss_sub", iss: "https://auth.example.eu/realms/acme", sub: "e9fffe4a-…" };
 */
export type StreamSubject = { readonly format: string; readonly [member: string]: unknown };

/** The calls of one transmitter's stream management API. */
export class StreamClient {
  readonly #fetch: FetchLike;
  readonly #provider: string;
  readonly #metadata: () => Promise<TransmitterMetadata>;
  readonly #token: StreamTokenSource;

  constructor(
    fetch: FetchLike,
    provider: string,
    metadata: () => Promise<TransmitterMetadata>,
    token: StreamTokenSource,
  ) {
    this.#fetch = fetch;
    this.#provider = provider;
    this.#metadata = metadata;
    this.#token = token;
  }

  async create(request: StreamRequest): Promise<StreamConfiguration> {
    return this.#stream(await this.#call("POST", "configuration_endpoint", "stream creation", request));
  }

  /** One stream by id, or — without an id — the only stream of this receiver (undefined when there is none). */
  async get(streamId?: string): Promise<StreamConfiguration | undefined> {
    const query = streamId === undefined ? undefined : { stream_id: streamId };
    const answer = await this.#call("GET", "configuration_endpoint", "stream read", undefined, query);
    // SSF 1.0: without stream_id the answer is an array of the receiver's streams.
    if (Array.isArray(answer)) return answer.length === 0 ? undefined : this.#stream(answer[0]);
    return this.#stream(answer);
  }

  async update(streamId: string, changes: StreamRequest): Promise<StreamConfiguration> {
    const body = { ...changes, stream_id: streamId };
    return this.#stream(await this.#call("PATCH", "configuration_endpoint", "stream update", body));
  }

  async replace(streamId: string, configuration: StreamRequest): Promise<StreamConfiguration> {
    const body = { ...configuration, stream_id: streamId };
    return this.#stream(await this.#call("PUT", "configuration_endpoint", "stream replacement", body));
  }

  async delete(streamId: string): Promise<void> {
    await this.#call("DELETE", "configuration_endpoint", "stream deletion", undefined, {
      stream_id: streamId,
    });
  }

  async status(streamId: string): Promise<StreamStatus> {
    const answer = await this.#call("GET", "status_endpoint", "stream status read", undefined, {
      stream_id: streamId,
    });
    return this.#status(answer);
  }

  async setStatus(streamId: string, status: StreamStatus["status"], reason?: string): Promise<StreamStatus> {
    const body = { stream_id: streamId, status, ...(reason === undefined ? {} : { reason }) };
    const answer = await this.#call("POST", "status_endpoint", "stream status update", body);
    return answer === undefined ? { stream_id: streamId, status } : this.#status(answer);
  }

  async addSubject(streamId: string, subject: StreamSubject, verified = true): Promise<void> {
    await this.#call("POST", "add_subject_endpoint", "subject addition", {
      stream_id: streamId,
      subject,
      verified,
    });
  }

  async removeSubject(streamId: string, subject: StreamSubject): Promise<void> {
    await this.#call("POST", "remove_subject_endpoint", "subject removal", { stream_id: streamId, subject });
  }

  /** Asks for a verification event carrying `state` (SSF 1.0 "Verification"); it arrives on the stream. */
  async verify(streamId: string, state: string): Promise<void> {
    await this.#call("POST", "verification_endpoint", "verification request", { stream_id: streamId, state });
  }

  async #call(
    method: "GET" | "POST" | "PATCH" | "PUT" | "DELETE",
    endpoint: keyof TransmitterMetadata,
    what: string,
    body?: unknown,
    query?: Record<string, string>,
  ): Promise<unknown> {
    const metadata = await this.#metadata();
    const base = metadata[endpoint];
    if (typeof base !== "string") throw malformed(this.#provider, `the transmitter has no ${endpoint}`);
    const url = new URL(base);
    for (const [name, value] of Object.entries(query ?? {})) url.searchParams.set(name, value);
    const bearer = await this.#token();
    return requestJson(this.#fetch, this.#provider, { method, url: url.href, body, bearer, what });
  }

  #stream(answer: unknown): StreamConfiguration {
    if (
      typeof answer !== "object" ||
      answer === null ||
      typeof (answer as StreamConfiguration).stream_id !== "string"
    ) {
      throw malformed(this.#provider, "the transmitter's stream answer has no stream_id");
    }
    return answer as StreamConfiguration;
  }

  #status(answer: unknown): StreamStatus {
    const status = (answer as StreamStatus | undefined)?.status;
    if (status !== "enabled" && status !== "paused" && status !== "disabled") {
      throw malformed(this.#provider, "the transmitter's status answer has no known status");
    }
    return answer as StreamStatus;
  }
}
