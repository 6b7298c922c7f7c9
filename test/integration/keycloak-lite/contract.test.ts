// The differential half of issue 7: the same suite that runs against a real Keycloak 26.7.3
// (test/integration/keycloak/contract.test.ts) runs here, unchanged, against the emulator.
import { afterAll } from "vitest";
import { createKeycloakEmulator } from "../../../src/testing/index.js";
import { describeProviderContract } from "../../contract/provider-contract.js";
import { importFixtureRealms, keycloakLiteHarness } from "../../support/keycloak-lite-harness.js";

const kc = await createKeycloakEmulator();
afterAll(() => kc.close());
importFixtureRealms(kc);

describeProviderContract(keycloakLiteHarness(kc));
