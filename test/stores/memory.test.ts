// The in-memory stores pass the same contract as the persistent ones: they
// are the reference the others are measured against.
import { MemoryLinkStore, MemoryStateStore } from "../../src/index.js";
import { describeLinkStoreContract, describeStateStoreContract } from "../contract/store-contract.js";

describeLinkStoreContract("memory", { open: async () => new MemoryLinkStore() });

let now = 0;
describeStateStoreContract("memory", {
  open: async () => {
    now = 1_767_225_600_000;
    return new MemoryStateStore({ now: () => now });
  },
  elapse: async (ms) => {
    now += ms;
  },
  exactClock: true,
});
