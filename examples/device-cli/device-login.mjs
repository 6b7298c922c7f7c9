// @ts-check
/**
 * Signs a person in with the device authorization grant through
 * `createIdentity`: the routing picks the provider (Entra ID first; the EU
 * spare when Entra ID is unreachable), the person approves on another
 * device, and the session resolves to the application's own user.
 */

/**
 * @param {import("idswitch").Identity} identity
 * @param {(line: string) => void} print
 * @param {{ signal?: AbortSignal, onCode?: (handle: import("idswitch").DeviceLogin) => void }} [options]
 */
export async function deviceSignIn(identity, print, options = {}) {
  const handle = await identity.beginDeviceLogin({ scope: "openid profile offline_access" });
  print(
    `To sign in with ${handle.provider}, open ${handle.verificationUri} and enter the code ${handle.userCode}`,
  );
  options.onCode?.(handle);
  const session = await identity.completeDeviceLogin(handle, {
    // The code dies at expiresAt anyway; stop polling then, or earlier when asked.
    signal: options.signal ?? AbortSignal.timeout(Math.max(1, handle.expiresAt * 1000 - Date.now())),
  });
  const who = session.principal.name ?? session.principal.username ?? session.principal.subject;
  print(`Signed in at ${session.provider} as ${who} · app user ${session.appUserId}`);
  return session;
}
