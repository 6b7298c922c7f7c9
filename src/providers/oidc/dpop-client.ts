/**
 * DPoP (RFC 9449) on the client side: the key a provider's tokens are bound
 * to. openid-client signs the token-endpoint proofs and retries once with
 * the server's nonce (`use_dpop_nonce`); this file decides which key.
 *
 * - `dpop: true`: a fresh key per sign-in (RFC 9449 §2: bound to one
 *   session, a stolen token is useless without it), its private JWK kept in
 *   the session's tokens so that a session serialised (a sealed cookie, a
 *   database row) and read back refreshes with the same key; one key per
 *   provider instance for client credentials.
 * - `dpop: { keyPair }`: the app's own key (non-extractable if it likes) for
 *   everything; tokens then carry its thumbprint only.
 */
import { calculateJwkThumbprint, exportJWK, importJWK, type JWK } from "jose";
import * as client from "openid-client";
import type { DpopKey } from "../../core/types.js";
import { publicMembers } from "../../tokens/dpop.js";

/** ES256: every DPoP server supports it (Keycloak 26 lists it in `dpop_signing_alg_values_supported`). */
const ALG = "ES256";

/** What a provider's `dpop` option holds once parsed. */
export type DpopSetting = true | { readonly keyPair: CryptoKeyPair };

export class DpopKeys {
  readonly #setting: DpopSetting;
  readonly #provider: string;
  #client: Promise<{ keyPair: CryptoKeyPair; key: DpopKey }> | undefined;

  constructor(setting: DpopSetting, provider: string) {
    this.#setting = setting;
    this.#provider = provider;
  }

  /** The key for a new session: a fresh one, or the app's. */
  async forNewSession(): Promise<{ keyPair: CryptoKeyPair; key: DpopKey }> {
    if (this.#setting !== true) return this.#supplied(this.#setting.keyPair);
    const keyPair = await client.randomDPoPKeyPair(ALG, { extractable: true });
    const jwk = await exportJWK(keyPair.privateKey);
    return { keyPair, key: { jkt: await calculateJwkThumbprint(publicPart(jwk)), jwk: strings(jwk) } };
  }

  /**
   * The key of the application's own tokens (client credentials, exchanges):
   * one per provider instance, kept here — the tokens carry its thumbprint
   * only, so a token set that is logged or cached does not leak the key
   * behind every token the app holds.
   */
  forClient(): Promise<{ keyPair: CryptoKeyPair; key: DpopKey }> {
    this.#client ??= this.forNewSession().then(
      ({ keyPair, key }) => ({ keyPair, key: { jkt: key.jkt } }),
      (err: unknown) => {
        this.#client = undefined;
        throw err;
      },
    );
    return this.#client;
  }

  /**
   * The key a token set is bound to, read back from it. A token set bound to
   * no key (made before `dpop` was turned on) gets a fresh one: its refresh
   * token is not bound (Keycloak binds confidential clients' access tokens only).
   */
  async forTokens(key: DpopKey | undefined): Promise<{ keyPair: CryptoKeyPair; key: DpopKey }> {
    if (key === undefined) return this.forNewSession();
    if (key.jwk === undefined) {
      // The app's key, or this instance's client key: the only keys tokens carry no private part of.
      const held = this.#setting === true ? await this.#client : await this.#supplied(this.#setting.keyPair);
      if (held?.key.jkt !== key.jkt) throw this.#lost();
      return held;
    }
    return { keyPair: await importKeyPair(key.jwk), key };
  }

  async #supplied(keyPair: CryptoKeyPair): Promise<{ keyPair: CryptoKeyPair; key: DpopKey }> {
    const jwk = await exportJWK(keyPair.publicKey);
    return { keyPair, key: { jkt: await calculateJwkThumbprint(publicPart(jwk)) } };
  }

  #lost(): TypeError {
    return new TypeError(
      `provider "${this.#provider}": the session is bound to a DPoP key this provider does not hold`,
    );
  }
}

/** A key pair from a private JWK (its public members included), as openid-client and jose take it. */
export async function importKeyPair(jwk: Readonly<Record<string, string>>): Promise<CryptoKeyPair> {
  const alg = jwk.alg ?? ALG;
  const privateKey = (await importJWK({ ...jwk }, alg)) as CryptoKey;
  const publicKey = (await importJWK({ ...publicPart(jwk), ext: true }, alg)) as CryptoKey;
  return { privateKey, publicKey };
}

/** The public members of a JWK this file made or was given (EC, OKP or RSA: RFC 7638 §3.2). */
function publicPart(jwk: JWK): JWK {
  const members = publicMembers(jwk);
  if (members === undefined) throw new TypeError(`DPoP key of type ${String(jwk.kty)}: not EC, RSA or OKP`);
  return members;
}

function strings(jwk: JWK): Record<string, string> {
  return Object.fromEntries(
    Object.entries({ ...jwk, alg: ALG }).filter(
      (entry): entry is [string, string] => typeof entry[1] === "string",
    ),
  );
}
