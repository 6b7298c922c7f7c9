import { afterAll } from "vitest";
import { createEntraEmulator } from "../../../src/testing/index.js";
import { describeProviderContract } from "../../contract/provider-contract.js";
import { entraHarness } from "../../support/entra-harness.js";

const entra = await createEntraEmulator();
afterAll(() => entra.close());

describeProviderContract(entraHarness(entra));
