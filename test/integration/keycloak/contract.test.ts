import { describeProviderContract } from "../../contract/provider-contract.js";
import { keycloakHarness } from "../../support/keycloak-harness.js";

describeProviderContract(keycloakHarness());
