/**
 * The options of the Shared Signals receiver, checked once with zod: every
 * problem is reported together, each with its path
 * (`signals.transmitters[0].delivery.authorization`), never with its value.
 */
import { z } from "zod";
import { parseConfig } from "../core/config.js";
import { algorithmList, httpUrl, issuerUrl, nonEmpty, providerId } from "../core/schemas.js";
import { DEFAULT_EVENTS_REQUESTED } from "./ssf/event-types.js";

/** RFC 8935: the transmitter POSTs each SET to the app. */
const pushDelivery = z.strictObject({
  method: z.literal("push"),
  /**
   * The exact `Authorization` header value the transmitter must send with each
   * SET (given to it as the stream's `authorization_header`). Long and random:
   * it is all that stands between the internet and the push route.
   */
  authorization: z.string().min(24, "must be at least 24 characters (a long random secret)").max(1024),
  /** The app's public push URL (`…/signals`), sent when the app creates the stream. */
  endpointUrl: httpUrl.optional(),
});

/** RFC 8936: the app asks the transmitter for SETs (no inbound calls needed). */
const pollDelivery = z.strictObject({
  method: z.literal("poll"),
  /** The stream's poll URL; read from the stream when omitted. */
  endpointUrl: httpUrl.optional(),
  /** Pause between polls while nothing is waiting. */
  intervalMs: z.number().int().min(100).max(3_600_000).default(5_000),
  /** At most this many SETs per answer (RFC 8936 §2.4 `maxEvents`). */
  maxEvents: z.number().int().min(1).max(1_000).default(50),
  /** RFC 8936 `returnImmediately`: false makes each poll a long poll, held open by the transmitter. */
  returnImmediately: z.boolean().default(true),
  /** Budget of one poll request; a long poll needs more than an ordinary call. */
  timeoutMs: z.number().int().positive().max(300_000).default(30_000),
  /** The longest pause after failed polls (the pause doubles from `intervalMs` up to this). */
  maxBackoffMs: z.number().int().min(100).max(3_600_000).default(60_000),
});

/** A receiver client's own credentials, for the stream management API (and for polling). */
const clientCredentials = z.strictObject({
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** Keycloak asks for `ssf.read` (read, poll, verify) and `ssf.manage` (create, change, delete). */
  scope: nonEmpty.default("ssf.read ssf.manage"),
  /** The token endpoint; found by OpenID discovery of the transmitter's issuer when omitted. */
  tokenEndpoint: httpUrl.optional(),
});

const transmitter = z.strictObject({
  /** A name for this transmitter in events and errors; the provider id when omitted. */
  id: providerId.optional(),
  /** The configured provider whose sessions this transmitter's events name. */
  provider: providerId,
  /** The transmitter's issuer: the provider's issuer (for Keycloak, the realm's). */
  issuer: issuerUrl,
  /** Where the transmitter metadata is, when it is not at the well-known location of `issuer`. */
  configurationUrl: httpUrl.optional(),
  /** The audience of the stream's SETs; learnt from the stream when omitted. */
  audience: z.union([nonEmpty, z.array(nonEmpty).min(1)]).optional(),
  /** JWS algorithms the transmitter's SETs may use; Keycloak realms sign with RS256 unless changed. */
  algorithms: algorithmList.default(["RS256"]),
  delivery: z.discriminatedUnion("method", [pushDelivery, pollDelivery]),
  clientCredentials: clientCredentials.optional(),
  /** The event types a stream created by the app asks for. */
  eventsRequested: z
    .array(nonEmpty)
    .min(1)
    .max(32)
    .default([...DEFAULT_EVENTS_REQUESTED]),
  /** A description of the stream, shown by the transmitter. */
  description: z.string().max(255).optional(),
});

/**
 * The schema of {@link SignalsOptions} (zod), for apps that validate a larger configuration themselves.
 *
 * @example
 * const result = signalsOptionsSchema.safeParse({ transmitters: [] });
 * if (!result.success) console.error(result.error.issues.map((i) => i.path.join(".")));
 */
export const signalsOptionsSchema = z
  .strictObject({
    transmitters: z.array(transmitter).min(1, "must list at least one transmitter"),
    /** Leeway for `iat` in the future, in seconds. */
    clockToleranceSeconds: z.number().int().min(0).max(600).default(60),
    /**
     * SETs older than this are refused, and each `jti` is remembered this long:
     * together they make a replay impossible. Two days by default, the time
     * Keycloak keeps an undelivered event.
     */
    maxAgeSeconds: z
      .number()
      .int()
      .min(60)
      .max(30 * 24 * 3600)
      .default(2 * 24 * 3600),
  })
  .superRefine((options, ctx) => {
    const ids = new Set<string>();
    const secrets = new Set<string>();
    options.transmitters.forEach((t, i) => {
      const id = t.id ?? t.provider;
      if (ids.has(id))
        ctx.addIssue({ code: "custom", path: ["transmitters", i, "id"], message: `"${id}" is used twice` });
      ids.add(id);
      if (t.delivery.method !== "push") return;
      // The push route picks the transmitter by its Authorization header.
      if (secrets.has(t.delivery.authorization)) {
        ctx.addIssue({
          code: "custom",
          path: ["transmitters", i, "delivery", "authorization"],
          message: "is the same as another transmitter's",
        });
      }
      secrets.add(t.delivery.authorization);
    });
  });

/**
 * The options of the Shared Signals receiver (`signals` of `createIdentity`).
 *
 * @example
 * const options: SignalsOptions = {
 *   transmitters: [{
 *     provider: "eu",
 *     issuer: "https://auth.example.eu/realms/acme",
 *     delivery: { method: "push", authorization: `Bearer ${env.SESSION_SECRET}`, endpointUrl: "https://app.example.eu/auth/signals" },
 *     clientCredentials: { clientId: "ssf-receiver", clientSecret: env.KEYCLOAK_SECRET },
 *   }],
 * };
 */
export type SignalsOptions = z.input<typeof signalsOptionsSchema>;

/**
 * The options after defaults were applied.
 *
 * @example
 * const checked: ResolvedSignalsOptions = parseSignalsOptions({
 *   transmitters: [{ provider: "eu", issuer: "https://auth.example.eu/realms/acme", delivery: { method: "poll" } }],
 * });
 * const algorithms = checked.transmitters[0]?.algorithms; // ["RS256"]: the default
 */
export type ResolvedSignalsOptions = z.output<typeof signalsOptionsSchema>;

/** One transmitter's options after defaults were applied. */
export type ResolvedTransmitterOptions = ResolvedSignalsOptions["transmitters"][number];

/**
 * Checks `input`, or throws one `config_invalid` error naming every problem by its path under `prefix`.
 *
 * @example
 * const options = parseSignalsOptions({
 *   transmitters: [{ provider: "eu", issuer: "https://auth.example.eu/realms/acme", delivery: { method: "poll" } }],
 * });
 */
export function parseSignalsOptions(input: unknown, prefix = "signals"): ResolvedSignalsOptions {
  return parseConfig(signalsOptionsSchema, input, prefix);
}
