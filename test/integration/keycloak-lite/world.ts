/**
 * What the Keycloak-lite fidelity tests share: raw HTTP against the
 * emulator's realm (no SDK in between, so the answers are compared as sent),
 * a PKCE code flow through its login page, and the captured answers of the
 * real Keycloak 26.7.3 (test/fixtures/keycloak-answers.json).
 */
import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { decodeJwt, decodeProtectedHeader } from "jose";
import type { KeycloakEmulator } from "../../../src/testing/index.js";
import { LITE_REDIRECT_URI } from "../../support/keycloak-lite-harness.js";
import { signInThroughLoginForm } from "../../support/keycloak-login.js";

export interface Answer {
  status: number;
  body: unknown;
}

interface CapturedAnswer extends Answer {
  case: string;
}

const captured = JSON.parse(
  readFileSync(new URL("../../fixtures/keycloak-answers.json", import.meta.url), "utf8"),
) as { answers: CapturedAnswer[] };

/** The real server's answer for a case of keycloak-answers.json, by the start of its `case`. */
export function realAnswer(casePrefix: string): Answer {
  const found = captured.answers.find((a) => a.case.startsWith(casePrefix));
  if (!found) throw new Error(`no captured answer "${casePrefix}"`);
  return { status: found.status, body: found.body };
}

export async function postToken(
  kc: KeycloakEmulator,
  realm: string,
  fields: Record<string, string>,
): Promise<Answer> {
  const response = await fetch(`${kc.issuer(realm)}/protocol/openid-connect/token`, {
    method: "POST",
    body: new URLSearchParams(fields),
  });
  return { status: response.status, body: await response.json() };
}

export const driver = { client_id: "test-driver", client_secret: "test-driver-secret" };
export const app = { client_id: "app", client_secret: "app-secret" };

/** A password-grant token set through the `test-driver` client. */
export async function passwordTokens(kc: KeycloakEmulator, username: string, password: string) {
  const answer = await postToken(kc, "idswitch", { grant_type: "password", ...driver, username, password });
  if (answer.status !== 200) throw new Error(`password grant failed: ${JSON.stringify(answer)}`);
  return answer.body as Record<string, string>;
}

/** The code flow of client `app` by hand: login page, code, exchange. Returns the raw token response. */
export async function codeFlowTokens(
  kc: KeycloakEmulator,
  user: { username: string; password: string },
  extra: Record<string, string> = {},
): Promise<Record<string, unknown>> {
  const verifier = randomBytes(32).toString("base64url");
  const query = new URLSearchParams({
    client_id: "app",
    response_type: "code",
    redirect_uri: LITE_REDIRECT_URI,
    scope: "openid profile email",
    state: "s-1",
    nonce: "n-1",
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    ...extra,
  });
  const result = await signInThroughLoginForm(
    `${kc.issuer("idswitch")}/protocol/openid-connect/auth?${query}`,
    user,
    { redirectUriPrefix: LITE_REDIRECT_URI },
  );
  if (!("callbackUrl" in result)) throw new Error(`sign-in failed: ${JSON.stringify(result)}`);
  const code = new URL(result.callbackUrl).searchParams.get("code") ?? "";
  const answer = await postToken(kc, "idswitch", {
    grant_type: "authorization_code",
    ...app,
    code,
    redirect_uri: LITE_REDIRECT_URI,
    code_verifier: verifier,
  });
  if (answer.status !== 200) throw new Error(`code exchange failed: ${JSON.stringify(answer)}`);
  return answer.body as Record<string, unknown>;
}

export function decoded(jwt: unknown): { header: Record<string, unknown>; claims: Record<string, unknown> } {
  const token = String(jwt);
  return { header: decodeProtectedHeader(token) as Record<string, unknown>, claims: decodeJwt(token) };
}
