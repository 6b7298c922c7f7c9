/**
 * Keycloak's execute-actions e-mail (Admin REST API,
 * `PUT /admin/realms/{realm}/users/{id}/execute-actions-email`, docs/reference/keycloak.md §5),
 * with the query parameters the target's own call lacks: `lifespan` (the
 * realm default for admin-sent links, `actionTokenGeneratedByAdminLifespan`,
 * is 12 hours: too short for a campaign), `client_id` and `redirect_uri`.
 *
 * Keycloak sends the e-mail synchronously, through the realm's SMTP server,
 * before it answers 204; it answers 400 for a user without an e-mail address
 * or disabled, for an unknown client or redirect URI, and for a required
 * action it does not know, and 500 when SMTP fails.
 */
import { IdSwitchError } from "../../core/errors.js";
import type { KeycloakHttp } from "../keycloak/http.js";
import { type PasskeyRealmFields, smtpProblems } from "../keycloak/passkey-policy.js";
import type { OnboardProblem } from "./result.js";

export interface EmailParameters {
  readonly actions: readonly string[];
  readonly lifespanSeconds: number;
  readonly clientId: string | undefined;
  readonly redirectUri: string | undefined;
}

/** Keycloak's 400 answers about one person rather than the campaign: skip them, go on. */
const PERSONAL = ["User email missing", "User is disabled"];

/** `sent`, or why not: the user is gone (404) or cannot receive it now (no e-mail, disabled). */
export async function sendActionsEmail(
  http: KeycloakHttp,
  userId: string,
  p: EmailParameters,
): Promise<"sent" | "vanished" | "refused"> {
  const query = new URLSearchParams({ lifespan: String(p.lifespanSeconds) });
  if (p.clientId) query.set("client_id", p.clientId);
  if (p.redirectUri) query.set("redirect_uri", p.redirectUri);
  try {
    const answer = await http.call(
      "PUT",
      `/users/${encodeURIComponent(userId)}/execute-actions-email?${query}`,
      p.actions,
    );
    return answer.status === 404 ? "vanished" : "sent";
  } catch (err) {
    const description = (err as IdSwitchError).cause as { status?: number; description?: string } | undefined;
    if (
      err instanceof IdSwitchError &&
      description?.status === 400 &&
      PERSONAL.includes(description.description ?? "")
    ) {
      return "refused";
    }
    throw err;
  }
}

/**
 * What stops the e-mails before the first one: a required action disabled or unknown, no SMTP server or no
 * sender address (Keycloak then answers 500 "Invalid sender address 'null'" to every call).
 */
export async function realmProblems(
  http: KeycloakHttp,
  actions: readonly string[],
): Promise<OnboardProblem[]> {
  const problems: OnboardProblem[] = [];
  for (const alias of actions) {
    const found = await http.call("GET", `/authentication/required-actions/${encodeURIComponent(alias)}`);
    const enabled = (found.json as { enabled?: unknown } | undefined)?.enabled === true;
    if (found.status === 404 || !enabled) {
      problems.push({
        what: `the required action "${alias}" is ${found.status === 404 ? "not registered" : "disabled"} in realm ${http.realm}`,
        fix: "enable it: Authentication → Required actions",
      });
    }
  }
  const realm = await http.get<PasskeyRealmFields>("");
  for (const smtp of smtpProblems(realm))
    problems.push({ what: `realm ${http.realm}: ${smtp.problem}`, fix: smtp.fix });
  return problems;
}
