/**
 * The options of the Shared Signals receiver, checked once with zod: every
 * problem is reported together, each with its path
 * (`signals.transmitters[0].delivery.authorization`), never with its value.
 */
import * as z from "zod/mini";
import { parseConfig } from "../core/config.js";
import { algorithmList, httpUrl, issuerUrl, nonEmpty, providerId } from "../core/mini-schemas.js";
import { DEFAULT_EVENTS_REQUESTED } from "./ssf/event-types.js";

/** RFC 8935: the transmitter POSTs each SET to the app. */
const pushDelivery = z.strictObject({
  method: z.literal("push"),
  /**
   * The exact `Authorization` header value the transmitter must send with each
   * SET (given to it as the stream's `authorization_header`). Long and random:
   * it is all that stands between the internet and the push route.
   */
  authorization: z
    .string()
    .check(z.minLength(24, "must be at least 24 characters (a long random secret)"), z.maxLength(1024)),
  /** The app's public push URL (`…/signals`), sent when the app creates the stream. */
  endpointUrl: z.optional(httpUrl),
});

/** RFC 8936: the app asks the transmitter for SETs (no inbound calls needed). */
const pollDelivery = z.strictObject({
  method: z.literal("poll"),
  /** The stream's poll URL; read from the stream when omitted. */
  endpointUrl: z.optional(httpUrl),
  /** Pause between polls while nothing is waiting. */
  intervalMs: z._default(z.int().check(z.gte(100), z.lte(3_600_000)), 5_000),
  /** At most this many SETs per answer (RFC 8936 §2.4 `maxEvents`). */
  maxEvents: z._default(z.int().check(z.gte(1), z.lte(1_000)), 50),
  /** RFC 8936 `returnImmediately`: false makes each poll a long poll, held open by the transmitter. */
  returnImmediately: z._default(z.boolean(), true),
  /** Budget of one poll request; a long poll needs more than an ordinary call. */
  timeoutMs: z._default(z.int().check(z.positive(), z.lte(300_000)), 30_000),
  /** The longest pause after failed polls (the pause doubles from `intervalMs` up to this). */
  maxBackoffMs: z._default(z.int().check(z.gte(100), z.lte(3_600_000)), 60_000),
});

/** A receiver client's own credentials, for the stream management API (and for polling). */
const clientCredentials = z.strictObject({
  clientId: nonEmpty,
  clientSecret: nonEmpty,
  /** Keycloak asks for `ssf.read` (read, poll, verify) and `ssf.manage` (create, change, delete). */
  scope: z._default(nonEmpty, "ssf.read ssf.manage"),
  /** The token endpoint; found by OpenID discovery of the transmitter's issuer when omitted. */
  tokenEndpoint: z.optional(httpUrl),
});

const transmitter = z.strictObject({
  /** A name for this transmitter in events and errors; the provider id when omitted. */
  id: z.optional(providerId),
  /** The configured provider whose sessions this transmitter's events name. */
  provider: providerId,
  /** The transmitter's issuer: the provider's issuer (for Keycloak, the realm's). */
  issuer: issuerUrl,
  /** Where the transmitter metadata is, when it is not at the well-known location of `issuer`. */
  configurationUrl: z.optional(httpUrl),
  /** The audience of the stream's SETs; learnt from the stream when omitted. */
  audience: z.optional(z.union([nonEmpty, z.array(nonEmpty).check(z.minLength(1))])),
  /** JWS algorithms the transmitter's SETs may use; Keycloak realms sign with RS256 unless changed. */
  algorithms: z._default(algorithmList, ["RS256"]),
  delivery: z.discriminatedUnion("method", [pushDelivery, pollDelivery]),
  clientCredentials: z.optional(clientCredentials),
  /** The event types a stream created by the app asks for. */
  eventsRequested: z._default(z.array(nonEmpty).check(z.minLength(1), z.maxLength(32)), [
    ...DEFAULT_EVENTS_REQUESTED,
  ]),
  /** A description of the stream, shown by the transmitter. */
  description: z.optional(z.string().check(z.maxLength(255))),
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
    transmitters: z.array(transmitter).check(z.minLength(1, "must list at least one transmitter")),
    /** Leeway for `iat` in the future, in seconds. */
    clockToleranceSeconds: z._default(z.int().check(z.gte(0), z.lte(600)), 60),
    /**
     * SETs older than this are refused, and each `jti` is remembered this long:
     * together they make a replay impossible. Two days by default, the time
     * Keycloak keeps an undelivered event.
     */
    maxAgeSeconds: z._default(z.int().check(z.gte(60), z.lte(30 * 24 * 3600)), 2 * 24 * 3600),
  })
  .check(
    z.superRefine((options, ctx) => {
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
    }),
  );

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
