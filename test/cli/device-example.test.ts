/**
 * The device-flow CLI example (examples/device-cli): the person's side is
 * done on the emulator's own device page, as a person on a phone would.
 * Entra ID first; with Entra ID unreachable the sign-in starts at the spare.
 */
import { describe, expect, it } from "vitest";
import { deviceSignIn } from "../../examples/device-cli/device-login.mjs";
import { providers } from "../../examples/device-cli/providers.mjs";
import { approveDeviceLogin } from "../support/entra-login.js";

async function signInWith(entraDown: boolean) {
  const { identity, emulated } = await providers({}, { entraDown });
  if (!emulated) throw new Error("the example should emulate its providers without configuration");
  const lines: string[] = [];
  let approval: Promise<void> = Promise.resolve();
  try {
    const session = await deviceSignIn(identity, (line) => lines.push(line), {
      signal: AbortSignal.timeout(20_000),
      onCode: (handle) => {
        const account = emulated.account(handle.provider);
        approval = approveDeviceLogin(account.emulatorUrl, handle.userCode, account);
      },
    });
    await approval;
    return { session, lines };
  } finally {
    await identity.close();
    await emulated.close();
  }
}

describe("examples/device-cli", () => {
  it("signs in at Entra ID through the device page and resolves an app user", async () => {
    const { session, lines } = await signInWith(false);
    expect(session.provider).toBe("entra");
    expect(session.principal.name).toBe("Ada Lovelace");
    expect(lines[0]).toMatch(
      /^To sign in with entra, open http:\/\/127\.0\.0\.1:\d+\/devicelogin and enter the code \S+$/,
    );
    expect(lines[1]).toBe(`Signed in at entra as Ada Lovelace · app user ${session.appUserId}`);
  });

  it("with Entra ID unreachable, the device sign-in starts at the EU spare", async () => {
    const { session, lines } = await signInWith(true);
    expect(session.provider).toBe("eu");
    expect(lines[0]).toMatch(/^To sign in with eu, open /);
  });
});
