/**
 * The person's side of the device flow, standing in for
 * https://microsoft.com/devicelogin (docs/reference/entra-id.md §4): enter the code (`otc`),
 * then "Are you trying to sign in to …?" with a sign-in form and Cancel.
 * Cancel declines the flow (the device then polls `authorization_declined`);
 * a refusal the person cannot fix on the page (MFA, Conditional Access…)
 * ends the flow, and the device polls that refusal.
 */
import { AADSTS } from "./aadsts.js";
import type { Core } from "./core.js";
import { EntraProblem, pageErrorOf, problemPage } from "./errors.js";
import { html, type Reply, type RequestContext } from "./http.js";
import { deviceCodePage, deviceDonePage, deviceSignInPage } from "./pages.js";
import { signInWithPassword } from "./sign-in.js";
import type { DeviceFlow } from "./store.js";

export function devicePageReply(core: Core, ctx: RequestContext): Reply {
  if (ctx.method !== "POST") return html(200, deviceCodePage(), ctx);
  const flowId = ctx.form.get("flow");
  if (flowId !== null) return signInStep(core, ctx, core.store.deviceFlow(flowId));
  return codeStep(core, ctx, ctx.form.get("otc") ?? "");
}

function codeStep(core: Core, ctx: RequestContext, code: string): Reply {
  const flow = core.store.deviceFlowByUserCode(code);
  if (flow?.status !== "pending") return codeError(core, ctx, "device_code_unknown");
  if (ctx.now >= flow.expiresAt) return codeError(core, ctx, "user_code_expired");
  return html(200, deviceSignInPage({ appName: flow.client.displayName, flow: flow.flow }), ctx);
}

function codeError(
  core: Core,
  ctx: RequestContext,
  situation: "device_code_unknown" | "user_code_expired",
): Reply {
  return html(200, deviceCodePage(pageErrorOf(core.config, ctx, new EntraProblem(situation))), ctx);
}

function signInStep(core: Core, ctx: RequestContext, flow: DeviceFlow | undefined): Reply {
  if (flow?.status !== "pending") return codeError(core, ctx, "device_code_unknown");
  if (ctx.now >= flow.expiresAt) return codeError(core, ctx, "user_code_expired");
  const appName = flow.client.displayName;
  if (ctx.form.get("decline") === "1") {
    flow.status = "declined";
    return html(200, deviceDonePage(appName, true), ctx);
  }
  try {
    const login = ctx.form.get("login") ?? "";
    flow.auth = signInWithPassword(
      core,
      flow.authority,
      flow.client,
      flow.scopes.resource,
      login,
      ctx.form.get("passwd") ?? "",
    );
    flow.status = "approved";
    return html(200, deviceDonePage(appName, false), ctx);
  } catch (problem) {
    if (!(problem instanceof EntraProblem)) throw problem;
    if (AADSTS[problem.situation].authorize === "form") {
      const error = pageErrorOf(core.config, ctx, problem);
      return html(200, deviceSignInPage({ appName, flow: flow.flow, error }), ctx);
    }
    flow.status = "failed";
    flow.failure = problem;
    return problemPage(core.config, ctx, problem);
  }
}
