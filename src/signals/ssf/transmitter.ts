/**
 * Everything the receiver knows about one transmitter: its checked
 * metadata, its signing keys, its stream (id, audience, poll URL) and the
 * token that authorises us at its API. Each is fetched once, on first use,
 * and shared by every SET and call that needs it.
 */
import * as jose from "jose";
import { IdSwitchError } from "../../core/errors.js";
import type { FetchLike } from "../../core/runtime.js";
import type { ResolvedTransmitterOptions } from "../options.js";
import { clientCredentialsTokens, type StreamTokenSource } from "./bearer.js";
import { fetchTransmitterMetadata, type TransmitterMetadata } from "./metadata.js";
import { StreamClient, type StreamConfiguration } from "./streams.js";

/**
 * How long a stream read from the transmitter is trusted for its audience and poll URL: another
 * app instance may delete and create the stream (a new id, so a new Keycloak audience), and this
 * one must notice without a restart.
 */
const STREAM_MAX_AGE_MS = 10 * 60_000;

/** One configured transmitter, with what was learnt about it. */
export class Transmitter {
  readonly id: string;
  readonly provider: string;
  readonly issuer: string;
  readonly options: ResolvedTransmitterOptions;
  readonly streams: StreamClient;
  readonly #fetch: FetchLike;
  #metadata: Promise<TransmitterMetadata> | undefined;
  #keys: jose.JWTVerifyGetKey | undefined;
  #stream: { readonly value: StreamConfiguration; readonly until: number } | undefined;
  readonly #now: () => number;
  readonly #token: StreamTokenSource | undefined;

  constructor(
    options: ResolvedTransmitterOptions,
    fetch: FetchLike,
    now: () => number,
    token: StreamTokenSource | undefined,
  ) {
    this.options = options;
    this.id = options.id ?? options.provider;
    this.provider = options.provider;
    this.issuer = options.issuer;
    this.#fetch = fetch;
    this.#now = now;
    const credentials = options.clientCredentials;
    this.#token =
      token ??
      (credentials === undefined
        ? undefined
        : clientCredentialsTokens(fetch, this.provider, this.issuer, credentials, now));
    this.streams = new StreamClient(
      fetch,
      this.provider,
      () => this.metadata(),
      () => this.token(),
    );
  }

  /** The checked metadata; fetched again on the next call after a failure. */
  metadata(): Promise<TransmitterMetadata> {
    this.#metadata ??= fetchTransmitterMetadata(
      this.#fetch,
      this.provider,
      this.issuer,
      this.options.configurationUrl,
    ).catch((err: unknown) => {
      this.#metadata = undefined;
      throw err;
    });
    return this.#metadata;
  }

  /** The transmitter's published keys (jose's remote key set, through the app's fetch). */
  async keys(): Promise<jose.JWTVerifyGetKey> {
    if (this.#keys !== undefined) return this.#keys;
    const { jwks_uri: jwksUri } = await this.metadata();
    const remote = jose.createRemoteJWKSet(new URL(jwksUri), {
      [jose.customFetch]: (url, init) => this.#fetch(url, init),
    });
    // An outage while fetching keys must read as one, not as a bad token (jose would wrap it).
    this.#keys = async (header, token) => {
      try {
        return await remote(header, token);
      } catch (err) {
        if (err instanceof IdSwitchError || err instanceof jose.errors.JOSEError) throw err;
        throw new IdSwitchError("provider_unavailable", `${this.provider}: transmitter keys unavailable`, {
          provider: this.provider,
          reason: "jwks",
          cause: err,
        });
      }
    };
    return this.#keys;
  }

  /** The bearer token for the transmitter's API. */
  token(): Promise<string> {
    if (this.#token === undefined) {
      throw new TypeError(
        `transmitter "${this.id}": its API needs a token: set clientCredentials or pass streamToken`,
      );
    }
    return this.#token();
  }

  /** Remembers a stream the transmitter reported (its audience and poll URL are read from it). */
  remember(stream: StreamConfiguration | undefined): void {
    this.#stream =
      stream === undefined ? undefined : { value: stream, until: this.#now() + STREAM_MAX_AGE_MS };
  }

  /** The receiver's stream: the one remembered, else the transmitter's answer. */
  async stream(): Promise<StreamConfiguration> {
    if (this.#stream !== undefined && this.#now() < this.#stream.until) return this.#stream.value;
    const stream = await this.streams.get();
    if (stream === undefined) {
      throw new IdSwitchError("config_invalid", `transmitter "${this.id}" has no stream for this receiver`, {
        provider: this.provider,
      });
    }
    this.remember(stream);
    return stream;
  }

  /** The audience SETs must carry: configured, or the stream's. */
  async audience(): Promise<string | readonly string[]> {
    if (this.options.audience !== undefined) return this.options.audience;
    const { aud } = await this.stream();
    if (aud === undefined || (Array.isArray(aud) && aud.length === 0)) {
      throw new IdSwitchError("config_invalid", `transmitter "${this.id}": the stream reports no audience`, {
        provider: this.provider,
      });
    }
    return aud;
  }
}
