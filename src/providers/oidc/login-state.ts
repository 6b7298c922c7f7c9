/**
 * The sign-in transaction the app keeps between `beginLogin` and
 * `completeLogin`. It comes back from outside (a cookie, a session store), so
 * it is parsed, bound to the provider that started it, and time-limited.
 */
import * as z from "zod/mini";
import { invalid } from "../../core/errors.js";
import type { LoginState } from "../provider.js";

const loginStateSchema = z.object({
  v: z.literal(1),
  provider: z.string(),
  issuer: z.string(),
  redirectUri: z.string(),
  state: z.string().check(z.minLength(1)),
  nonce: z.string().check(z.minLength(1)),
  codeVerifier: z.string().check(z.minLength(43), z.maxLength(128)),
  returnTo: z.optional(z.string()),
  createdAt: z.number(),
});

export interface StateCheck {
  readonly provider: string;
  readonly issuer: string;
  readonly nowSeconds: number;
  readonly maxAgeSeconds: number;
}

/**
 * Accepts only a well-formed state that this very provider issued, within
 * its lifetime. A state from another provider is the mix-up attack (RFC 9700
 * §4.4): the callback must be completed where the sign-in began.
 */
export function checkLoginState(input: unknown, check: StateCheck): LoginState {
  const parsed = loginStateSchema.safeParse(input);
  if (!parsed.success) throw invalid(check.provider, "state", "login state is malformed");
  const state = parsed.data as LoginState;
  if (state.provider !== check.provider || state.issuer !== check.issuer) {
    throw invalid(check.provider, "state", `login state belongs to provider "${state.provider}"`);
  }
  const age = check.nowSeconds - state.createdAt;
  if (age > check.maxAgeSeconds || age < -60)
    throw invalid(check.provider, "state", "login state has expired");
  return state;
}
