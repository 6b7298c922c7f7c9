// @ts-check
/**
 * A command-line tool that signs in with the device flow, with failover:
 *
 *   npm run example:device                   (both providers emulated; approve on the printed page)
 *   npm run example:device -- --entra-down   (Entra ID unreachable: the sign-in starts at the EU spare)
 *
 * With ENTRA_TENANT_ID, ENTRA_CLIENT_ID, KEYCLOAK_ISSUER and KEYCLOAK_CLIENT_ID
 * set it uses real providers (public clients with the device grant enabled).
 */
import { isIdSwitchError } from "idswitch";
import { deviceSignIn } from "./device-login.mjs";
import { providers } from "./providers.mjs";

const { identity, emulated } = await providers(process.env, {
  entraDown: process.argv.includes("--entra-down"),
});
try {
  await deviceSignIn(identity, console.log, {
    onCode: (handle) => {
      const account = emulated?.account(handle.provider);
      if (account) console.log(`(emulated: sign in there as ${account.username} / ${account.password})`);
    },
  });
} catch (err) {
  console.error(isIdSwitchError(err) ? `sign-in failed: ${err.code}: ${err.message}` : err);
  process.exitCode = 1;
} finally {
  await identity.close();
  await emulated?.close();
}
