/**
 * OpenTelemetry, when the application has it: a span around every public
 * operation and a counter for every routing decision. `@opentelemetry/api`
 * is an optional peer dependency, loaded on first use; without it (or
 * without a registered SDK, where the API itself is a no-op) this costs a
 * resolved promise per call.
 *
 * Semantic conventions: a failed operation's span carries the stable
 * `error.type` (our closed error code, else the error's class name, else
 * `_OTHER`) and status ERROR; a successful one keeps status UNSET (OK is the
 * application's to set). The tracer and meter are named `idswitch` with the
 * package version; an attribute with no value is left out, never recorded as
 * an empty string; the counter has its unit (`{decision}`).
 */
import type { EventBus, IdentityEventName } from "../core/events.js";

export interface Telemetry {
  /** Runs `operation` inside a span named `idswitch.<name>`, recording its outcome. */
  span<T>(
    name: string,
    attributes: Readonly<Record<string, string>>,
    operation: () => Promise<T>,
  ): Promise<T>;
}

type OtelApi = typeof import("@opentelemetry/api");

/** The instrumentation scope: the package's name and version (a unit test keeps it equal to package.json's). */
export const INSTRUMENTATION_SCOPE = { name: "idswitch", version: "0.1.0" } as const;

const COUNTED_EVENTS: readonly IdentityEventName[] = [
  "failover",
  "provider-down",
  "provider-up",
  "account-suspended",
  "link-created",
  "key-rotated",
  "drill",
  "session-revoked",
  "warning",
];

export const noTelemetry: Telemetry = { span: (_name, _attributes, operation) => operation() };

/** Loads `@opentelemetry/api` if the application installed it; otherwise no telemetry. */
export async function loadTelemetry(events: EventBus): Promise<Telemetry> {
  let api: OtelApi;
  try {
    // A variable specifier keeps bundlers from requiring the optional peer at build time.
    const specifier = "@opentelemetry/api";
    api = (await import(/* @vite-ignore */ specifier)) as OtelApi;
  } catch {
    return noTelemetry;
  }
  return openTelemetry(api, events);
}

/**
 * Whether an OpenTelemetry SDK is registered. Checked per call: an app may
 * register its SDK after creating the identity. The API's global provider is
 * a proxy whose delegate stays the no-op provider until then.
 */
function sdkRegistered(api: OtelApi): boolean {
  const proxy = api.trace.getTracerProvider() as { getDelegate?: () => object };
  const delegate = proxy.getDelegate?.();
  if (delegate === undefined) return true;
  // The answer for the last delegate seen is kept: asking its class name per call showed on the cached hot path.
  const known = registeredByDelegate.get(delegate);
  if (known !== undefined) return known;
  const registered = delegate.constructor?.name !== "NoopTracerProvider";
  registeredByDelegate.set(delegate, registered);
  return registered;
}

/** Whether each tracer provider the API delegated to is a real SDK (see `sdkRegistered`). */
const registeredByDelegate = new WeakMap<object, boolean>();

/** Spans and counters on a given OpenTelemetry API (tests pass their own). */
export function openTelemetry(api: OtelApi, events: EventBus): Telemetry {
  const { name: scope, version } = INSTRUMENTATION_SCOPE;
  const tracer = api.trace.getTracer(scope, version);
  const meter = api.metrics.getMeter(scope, version);
  const decisions = meter.createCounter("idswitch.decisions", {
    description:
      "Routing decisions: failovers, providers down and up, suspensions, links, key rotations, warnings",
    unit: "{decision}",
  });
  for (const name of COUNTED_EVENTS) {
    events.on(name, (event) => {
      decisions.add(1, {
        "idswitch.event": name,
        ...textAttribute("idswitch.provider", "provider" in event ? event.provider : undefined),
        ...textAttribute("idswitch.code", "code" in event ? event.code : undefined),
      });
    });
  }
  return {
    span: (name, attributes, operation) =>
      !sdkRegistered(api)
        ? operation() // the API alone records nothing: skip its context bookkeeping on the hot path
        : tracer.startActiveSpan(`idswitch.${name}`, { attributes }, async (span) => {
            try {
              return await operation();
            } catch (err) {
              // The type only: an error's message is ours and redacted, but a span is no place for it either.
              span.setAttribute("error.type", errorType(err));
              span.setStatus({ code: api.SpanStatusCode.ERROR });
              throw err;
            } finally {
              span.end();
            }
          }),
  };
}

/** `{ [key]: value }` when the value is a non-empty string; nothing otherwise. */
function textAttribute(key: string, value: unknown): Record<string, string> {
  return typeof value === "string" && value !== "" ? { [key]: value } : {};
}

/**
 * `error.type`: low-cardinality, as the convention asks — our closed `code` union, else the class
 * name of what was thrown (`TypeError`), else `_OTHER`.
 */
function errorType(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === "string" && code !== "") return code;
  const type = err instanceof Error ? err.constructor.name : "";
  return type !== "" ? type : "_OTHER";
}
