/**
 * A virtual authenticator in the page's Chromium through the Chrome DevTools
 * Protocol's WebAuthn domain (WebAuthn.addVirtualAuthenticator,
 * setAutomaticPresenceSimulation, getCredentials): it answers
 * navigator.credentials.create/get as a platform passkey provider would.
 */
import type { CDPSession, Page } from "playwright-core";

export interface VirtualCredential {
  readonly credentialId: string;
  readonly isResidentCredential: boolean;
  readonly rpId?: string;
  readonly userHandle?: string;
  readonly signCount: number;
}

export interface VirtualAuthenticator {
  /** Whether user presence is granted at once (off: requests wait, as for a person who has not touched it yet). */
  presence(enabled: boolean): Promise<void>;
  credentials(): Promise<VirtualCredential[]>;
}

/**
 * A CTAP2 platform authenticator ("internal") that verifies the user and keeps discoverable credentials, as a
 * passkey needs (W3C WebAuthn Level 3: platform attachment §6.2.1, discoverable credentials §6.2.2, user
 * verification §6.2.3).
 */
export async function virtualAuthenticator(page: Page): Promise<VirtualAuthenticator> {
  const cdp: CDPSession = await page.context().newCDPSession(page);
  await cdp.send("WebAuthn.enable");
  const { authenticatorId } = await cdp.send("WebAuthn.addVirtualAuthenticator", {
    options: {
      protocol: "ctap2",
      transport: "internal",
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return {
    async presence(enabled) {
      await cdp.send("WebAuthn.setAutomaticPresenceSimulation", { authenticatorId, enabled });
    },
    async credentials() {
      const { credentials } = await cdp.send("WebAuthn.getCredentials", { authenticatorId });
      return credentials;
    },
  };
}
