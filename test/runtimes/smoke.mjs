// The smoke that runs inside Bun, Deno, workerd (and Node, as the control):
// the packed root entry against a Keycloak-lite on loopback that a Node
// parent started (scripts/runtimes/smoke.mjs). Only the web platform is used
// here — fetch, URL, JSON — so any difference is the runtime's, not ours.
//
// `env` comes from the parent: the issuer, the client, the test user, and
// `browser`, a loopback URL where the parent plays the person's browser on
// the login page (the library never does that part; a runtime should not
// need Node's testing kit to prove the library).
import { createIdentity, isIdSwitchError, keycloak } from "idswitch";

/** The identity the smoke drives: one Keycloak-lite provider with the parent's client. */
export function makeIdentity(env) {
  return createIdentity({
    providers: [
      keycloak({
        id: "eu",
        issuer: env.issuer,
        clientId: env.clientId,
        clientSecret: env.clientSecret,
        redirectUri: env.redirectUri,
      }),
    ],
  });
}

/**
 * Runs every step with `identity` (made here unless given); returns what
 * each proved, or throws naming the step that failed.
 */
export async function smoke(env, identity = makeIdentity(env)) {
  const proved = [];
  const step = async (name, run) => {
    try {
      proved.push(`${name}: ${await run()}`);
    } catch (error) {
      const code = isIdSwitchError(error) ? ` [${error.code}]` : "";
      const cause = error?.cause ? ` (cause: ${error.cause?.message ?? error.cause})` : "";
      throw new Error(`${name} failed${code}: ${error?.message ?? error}${cause}`);
    }
  };
  try {
    let appToken;
    await step("clientCredentials", async () => {
      appToken = (await identity.clientCredentials()).accessToken;
      return `an access token of ${appToken.length} characters`;
    });
    await step("verifyAccessToken", async () => {
      // A fresh identity: this fetches discovery and the key set, then checks the signature.
      const principal = await identity.verifyAccessToken(appToken, { audience: { eu: env.audience } });
      expect(principal.provider === "eu", `provider ${principal.provider}`);
      expect(typeof principal.subject === "string" && principal.subject !== "", "empty subject");
      return `subject ${principal.subject}`;
    });
    await step("refuses a tampered token", async () => {
      const [head, body, sig] = appToken.split(".");
      const flipped = `${sig.slice(0, -2)}${sig.at(-2) === "A" ? "B" : "A"}${sig.at(-1)}`;
      try {
        await identity.verifyAccessToken(`${head}.${body}.${flipped}`, { audience: { eu: env.audience } });
      } catch (error) {
        if (isIdSwitchError(error)) return `refused (${error.code})`;
        throw error;
      }
      throw new Error("a token with a changed signature verified");
    });
    let session;
    await step("beginLogin/completeLogin", async () => {
      const { url, state } = await identity.beginLogin();
      const answer = await fetch(env.browser, { method: "POST", body: JSON.stringify({ url: String(url) }) });
      const { callbackUrl, error } = await answer.json();
      if (!callbackUrl) throw new Error(`the login page did not send the browser back: ${error}`);
      session = await identity.completeLogin(callbackUrl, state);
      expect(session.principal.subject === env.userId, `subject ${session.principal.subject}`);
      return `app user ${session.appUserId}, subject ${session.principal.subject}`;
    });
    await step("verifyAccessToken (the session's)", async () => {
      const principal = await identity.verifyAccessToken(session.tokens.accessToken, {
        audience: { eu: env.audience },
      });
      expect(principal.subject === env.userId, `subject ${principal.subject}`);
      return `subject ${principal.subject}`;
    });
  } finally {
    await identity.close();
  }
  return proved;
}

function expect(condition, what) {
  if (!condition) throw new Error(`unexpected ${what}`);
}
