import { describe, expectTypeOf, it } from "vitest";
import type { z } from "zod";
import type { STATE_STORE_METHODS, stateStoreSchema } from "../../src/core/schemas.js";
import {
  type ErrorCode,
  IdSwitchError,
  type IdSwitchErrorOf,
  isIdSwitchError,
  type ProviderUnavailableReason,
  type ReasonOf,
  type StateStore,
  type TokenInvalidReason,
} from "../../src/index.js";

describe("IdSwitchError reasons narrow on the code", () => {
  it("isIdSwitchError with a code narrows the reason to that code's union", () => {
    const err: unknown = undefined;
    if (isIdSwitchError(err, "token_invalid")) {
      expectTypeOf(err.code).toEqualTypeOf<"token_invalid">();
      expectTypeOf(err.reason).toEqualTypeOf<TokenInvalidReason | undefined>();
      // @ts-expect-error not a reason a token is refused for
      if (err.reason === "wrong_password") return;
    }
    if (isIdSwitchError(err, "provider_unavailable")) {
      expectTypeOf(err.reason).toEqualTypeOf<ProviderUnavailableReason | undefined>();
    }
    if (isIdSwitchError(err, "token_invalid", "provider_unavailable")) {
      expectTypeOf(err.reason).toEqualTypeOf<TokenInvalidReason | ProviderUnavailableReason | undefined>();
    }
  });

  it("a switch on the code narrows the reason in each case", () => {
    const err: unknown = undefined;
    if (!isIdSwitchError(err)) return;
    expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
    switch (err.code) {
      case "token_invalid":
        expectTypeOf(err.reason).toEqualTypeOf<TokenInvalidReason | undefined>();
        break;
      case "provider_unavailable":
        expectTypeOf(err.reason).toEqualTypeOf<ProviderUnavailableReason | undefined>();
        break;
      case "account_disabled":
        // A denial's reason is the provider table's row name: open.
        expectTypeOf(err.reason).toEqualTypeOf<string | undefined>();
        break;
    }
  });

  it("keeps instanceof and the plain class as they were", () => {
    const err: unknown = undefined;
    if (err instanceof IdSwitchError) {
      expectTypeOf(err.code).toEqualTypeOf<ErrorCode>();
      expectTypeOf(err.reason).toEqualTypeOf<string | undefined>();
    }
    expectTypeOf<IdSwitchErrorOf<"token_invalid">>().toExtend<IdSwitchError>();
    expectTypeOf<ReasonOf<"session_revoked">>().toEqualTypeOf<string>();
  });
});

describe("one meaning of a StateStore", () => {
  it("the schema checks every method the interface requires", () => {
    type Required<T> = { [K in keyof T]-?: Partial<Pick<T, K>> extends Pick<T, K> ? never : K }[keyof T];
    expectTypeOf<(typeof STATE_STORE_METHODS)[number]>().toEqualTypeOf<Required<StateStore>>();
    expectTypeOf<z.output<typeof stateStoreSchema>>().toEqualTypeOf<StateStore>();
  });
});
