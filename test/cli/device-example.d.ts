// The types of examples/device-cli (plain JavaScript, checked by tsconfig.examples.json), for the test
// that runs it. Kept to the signatures in its JSDoc.
declare module "*/device-cli/device-login.mjs" {
  export function deviceSignIn(
    identity: import("idswitch").Identity,
    print: (line: string) => void,
    options?: { signal?: AbortSignal; onCode?: (handle: import("idswitch").DeviceLogin) => void },
  ): Promise<import("idswitch").IdentitySession>;
}

declare module "*/device-cli/providers.mjs" {
  export function providers(
    env: Record<string, string | undefined>,
    options?: { entraDown?: boolean },
  ): Promise<{
    identity: import("idswitch").Identity;
    emulated:
      | {
          account(provider: string): { username: string; password: string; emulatorUrl: string };
          close(): Promise<void>;
        }
      | undefined;
  }>;
}
