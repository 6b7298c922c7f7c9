// Microsoft's own client library, @azure/msal-node, run unmodified against the Entra emulator. Only
// its authority settings point it at the emulator; trust in the emulator's certificate authority comes
// from NODE_EXTRA_CA_CERTS, set by the parent when it forks this process (MSAL 7 uses Node's fetch and
// offers no CA option short of replacing its network client). The parent drives it over IPC:
// { id, op, ...args } in, { id, ok, result | error } out.
import { ConfidentialClientApplication } from "@azure/msal-node";

const config = JSON.parse(process.env.MSAL_AGENT_CONFIG ?? "{}");
const authority = new URL(config.authority);

// A guard around the process, not a change to MSAL: every URL MSAL fetches is recorded, and anything but
// the emulator is refused — the test asserts that MSAL never reached for login.microsoftonline.com.
const fetched = [];
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const url = String(input instanceof Request ? input.url : input);
  fetched.push(url);
  if (new URL(url).origin !== authority.origin)
    return Promise.reject(new Error(`off-emulator fetch: ${url}`));
  return realFetch(input, init);
};

const app = new ConfidentialClientApplication({
  auth: {
    clientId: config.clientId,
    clientSecret: config.clientSecret,
    authority: config.authority,
    // The authority settings: the emulator's host is a known authority, so MSAL asks nobody
    // (no instance discovery at login.microsoftonline.com) and reads the tenant's own discovery document.
    knownAuthorities: [authority.host],
  },
});

/** What a test needs to see of an AuthenticationResult (no tokens leave but the access token, to decode). */
function summary(result) {
  return {
    accessToken: result.accessToken,
    tokenType: result.tokenType,
    scopes: result.scopes,
    fromCache: result.fromCache,
    tenantId: result.tenantId,
    uniqueId: result.uniqueId,
    account: result.account && {
      homeAccountId: result.account.homeAccountId,
      environment: result.account.environment,
      tenantId: result.account.tenantId,
      username: result.account.username,
    },
    idTokenClaims: result.idTokenClaims,
  };
}

/** Every own field MSAL puts on its error — errorCode, subError, errorNo, claims… — plus its class. */
function describeError(error) {
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (typeof value !== "function" && key !== "stack") fields[key] = value;
  }
  return { ...fields, name: error.name, className: error.constructor?.name, message: error.message };
}

const ops = {
  fetched: () => fetched,
  clientCredentials: async ({ scopes }) => summary(await app.acquireTokenByClientCredential({ scopes })),
  authCodeUrl: ({ scopes, redirectUri, state }) => app.getAuthCodeUrl({ scopes, redirectUri, state }),
  byCode: async ({ code, scopes, redirectUri }) =>
    summary(await app.acquireTokenByCode({ code, scopes, redirectUri })),
  silentRefresh: async ({ scopes }) => {
    const [account] = await app.getTokenCache().getAllAccounts();
    if (!account) throw new Error("no account in MSAL's cache");
    return summary(await app.acquireTokenSilent({ account, scopes, forceRefresh: true }));
  },
};

process.on("message", async ({ id, op, ...args }) => {
  try {
    const result = await ops[op](args);
    process.send({ id, ok: true, result });
  } catch (error) {
    process.send({ id, ok: false, error: describeError(error) });
  }
});
process.send({ ready: true });
