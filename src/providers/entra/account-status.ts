/**
 * Whether an Entra account is enabled, from Microsoft Graph (`GET
 * /users/{id}?$select=accountEnabled`, application permission
 * `User.Read.All`): what lets Entra ID act as an authority
 * (`routing.authority`). `accountEnabled` is returned only when selected
 * (docs/reference/entra-id.md §11.1); a deleted user is a 404.
 */
import { isIdSwitchError } from "../../core/errors.js";
import type { AccountStatus } from "../provider.js";
import type { GraphClient } from "./graph.js";

export async function graphAccountStatus(
  graph: GraphClient,
  provider: string,
  oid: string,
): Promise<AccountStatus> {
  const base = { provider, subject: oid };
  try {
    const user = await graph.get<{ accountEnabled?: unknown }>(
      graph.url(`/users/${encodeURIComponent(oid)}?$select=accountEnabled`),
    );
    return { ...base, status: user.accountEnabled === false ? "disabled" : "active" };
  } catch (err) {
    // Graph's 404 for a user: deleted (or never there). Everything else is Graph's failure to answer.
    if (isIdSwitchError(err, "account_disabled") && err.reason === "user_not_found") {
      return { ...base, status: "not_found" };
    }
    throw err;
  }
}
