/**
 * The error engine: a refusal is thrown as an `EntraProblem` (a row of the
 * AADSTS table plus the values for its placeholders) and rendered at one
 * point per endpoint — as the JSON body of docs/reference/entra-id.md §6.1, as a redirect
 * (§2.3) or as the HTML error page.
 */
import { AADSTS, type AadstsRow, type Situation } from "./aadsts.js";
import { html, type Reply, type RequestContext, tokenHeaders } from "./http.js";
import { entraTimestamp } from "./ids.js";
import { errorPage, type PageError } from "./pages.js";
import type { Protocol } from "./protocol.js";
import type { EntraEmulatorOptions } from "./types.js";

/** What a refusal carries besides its row and texts. */
export interface ProblemExtras {
  /**
   * The `claims` member (§6.1): a claims challenge, as a JSON string, that the client must send back on its
   * next authorize request (Conditional Access, §3.5).
   */
  readonly claims?: string;
}

export class EntraProblem extends Error {
  readonly situation: Situation;
  readonly params: Readonly<Record<string, string>>;
  readonly extras: ProblemExtras;

  constructor(
    situation: Situation,
    params: Readonly<Record<string, string>> = {},
    extras: ProblemExtras = {},
  ) {
    super(`AADSTS${AADSTS[situation].code} (${situation})`);
    this.name = "EntraProblem";
    this.situation = situation;
    this.params = params;
    this.extras = extras;
  }
}

/** Throws the table's answer for `situation`. */
export function fail(
  situation: Situation,
  params: Readonly<Record<string, string>> = {},
  extras: ProblemExtras = {},
): never {
  throw new EntraProblem(situation, params, extras);
}

export interface ErrorStyle {
  /** The emulator's origin: `error_uri` follows the host that served the request (§6.1). */
  readonly url: string;
  readonly traceSuffix: "spaces" | "crlf";
  readonly errorOverrides: NonNullable<EntraEmulatorOptions["errorOverrides"]>;
}

export interface DescribedProblem {
  readonly row: AadstsRow;
  readonly code: number;
  readonly error: string;
  readonly status: number;
  readonly suberror: string | undefined;
  /** `AADSTSnnnn: text` without the trace suffix (what the error page shows as "Message"). */
  readonly message: string;
  /** `error_description`: the message plus `Trace ID / Correlation ID / Timestamp`. */
  readonly description: string;
  readonly errorUri: string | undefined;
  readonly timestamp: string;
  readonly claims: string | undefined;
}

/** `protocol` 1: the v1 token endpoint's top-level strings (`v1Error`, §6.5); an override still wins. */
export function describeProblem(
  style: ErrorStyle,
  ctx: RequestContext,
  problem: EntraProblem,
  protocol: Protocol = 2,
): DescribedProblem {
  const row: AadstsRow = AADSTS[problem.situation];
  const override = style.errorOverrides[row.code] ?? {};
  const timestamp = entraTimestamp(ctx.now);
  const message = `AADSTS${row.code}: ${fill(row.message, problem.params)}`;
  const separator = style.traceSuffix === "crlf" ? "\r\n" : " ";
  const suffix = [
    `Trace ID: ${ctx.requestId}`,
    `Correlation ID: ${ctx.correlationId}`,
    `Timestamp: ${timestamp}`,
  ].join(separator);
  const suberror = override.suberror === null ? undefined : (override.suberror ?? row.suberror);
  return {
    row,
    code: row.code,
    error: override.error ?? (protocol === 1 ? row.v1Error : undefined) ?? row.error,
    status: override.status ?? row.status,
    suberror,
    message,
    description: `${message}${separator}${suffix}`,
    errorUri: row.errorUri === false ? undefined : `${style.url}/error?code=${row.code}`,
    timestamp,
    claims: problem.extras.claims,
  };
}

/** Placeholders the request did not supply stay visible, as `{EUII Hidden}` does in real texts. */
function fill(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/\{([A-Za-z]+)\}/g, (whole, name: string) => params[name] ?? whole);
}

/**
 * §6.1, in the service's field order; `error_codes` are integers. `claims` comes before `suberror`, as in
 * the published claims-challenge answers (§3.5).
 */
export function errorBody(described: DescribedProblem, ctx: RequestContext): Record<string, unknown> {
  const body: Record<string, unknown> = {
    error: described.error,
    error_description: described.description,
    error_codes: [described.code],
    timestamp: described.timestamp,
    trace_id: ctx.requestId,
    correlation_id: ctx.correlationId,
  };
  if (described.errorUri) body.error_uri = described.errorUri;
  if (described.claims !== undefined) body.claims = described.claims;
  if (described.suberror) body.suberror = described.suberror;
  return body;
}

/** The JSON answer of the token and device-code endpoints (and discovery for 90002). */
export function problemJson(
  style: ErrorStyle,
  ctx: RequestContext,
  problem: EntraProblem,
  options: { refreshTokenAgeMs?: number; headers?: Record<string, string>; protocol?: Protocol } = {},
): Reply {
  const described = describeProblem(style, ctx, problem, options.protocol);
  const headers = options.headers ?? tokenHeaders(ctx, described.code, options.refreshTokenAgeMs);
  const extra: Record<string, string> = {};
  if (described.status === 429) extra["Retry-After"] = problem.params.retryAfter ?? "5";
  else if (problem.params.retryAfter) extra["Retry-After"] = problem.params.retryAfter;
  return {
    status: described.status,
    headers: { ...headers, ...extra },
    body: JSON.stringify(errorBody(described, ctx)),
  };
}

/** The refusal as the sign-in pages show it ("Troubleshooting details"). */
export function pageErrorOf(style: ErrorStyle, ctx: RequestContext, problem: EntraProblem): PageError {
  const described = describeProblem(style, ctx, problem);
  const error: PageError = {
    message: described.message,
    requestId: ctx.requestId,
    correlationId: ctx.correlationId,
    timestamp: new Date(ctx.now).toISOString(),
  };
  return described.row.userText ? { ...error, userText: described.row.userText } : error;
}

/**
 * The not-redirected error page (§2.3). Served with 200, as ESTS serves its
 * error pages [guess: docs/reference/entra-id.md does not give the status].
 */
export function problemPage(style: ErrorStyle, ctx: RequestContext, problem: EntraProblem): Reply {
  return html(200, errorPage(pageErrorOf(style, ctx, problem)), ctx);
}
