/**
 * Signing keys of one emulator (docs/reference/entra-id.md §1.6, §10). Keys are RSA-2048 with a
 * self-signed certificate; `kid` = `x5t` = the certificate's SHA-1 thumbprint.
 *
 * Work/school tokens are signed by the current "work" key; personal-account
 * (MSA tenant) tokens by a separate key whose JWKS `issuer` is concrete, as
 * on the real `/common` key set. Generating RSA keys takes ~100 ms, so the
 * work keys are made in the background when the emulator starts (requests
 * wait for them) and the MSA key only when first needed.
 */
import { generateKeyPair, type KeyObject } from "node:crypto";
import { promisify } from "node:util";
import { exportJWK } from "jose";
import { selfSignedCertificate } from "./certificate.js";

const generateRsa = promisify(generateKeyPair);
const CERTIFICATE_YEARS = 5;

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly n: string;
  readonly e: string;
  /** Standard base64 DER of the certificate (`x5c[0]`). */
  readonly x5c: string;
  /** The certificate's validity, epoch ms: what a 50013 "Found key 'Start=…, End=…'" quotes (§3.5). */
  readonly notBefore: number;
  readonly notAfter: number;
}

interface WorkKeys {
  readonly signer: SigningKey;
  /** What the JWKS publishes, signer included; order is meaningless (§10). */
  readonly published: readonly SigningKey[];
}

async function createSigningKey(now: number, commonName: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateRsa("rsa", { modulusLength: 2048 });
  const notBefore = new Date(Math.floor(now / 1000) * 1000 - 86_400_000);
  const certificate = selfSignedCertificate(publicKey, privateKey, {
    commonName,
    notBefore,
    years: CERTIFICATE_YEARS,
  });
  const jwk = await exportJWK(publicKey);
  const notAfter = new Date(notBefore);
  notAfter.setUTCFullYear(notAfter.getUTCFullYear() + CERTIFICATE_YEARS);
  return {
    kid: certificate.thumbprint,
    privateKey,
    n: jwk.n ?? "",
    e: jwk.e ?? "",
    x5c: certificate.der.toString("base64"),
    notBefore: notBefore.getTime(),
    notAfter: notAfter.getTime(),
  };
}

const CERTIFICATE_NAME = "accounts.accesscontrol.windows.net";

export class KeyRing {
  readonly #now: () => number;
  #work: Promise<WorkKeys>;
  #msa: Promise<SigningKey> | undefined;

  constructor(now: () => number) {
    this.#now = now;
    // Entra always publishes several keys (§1.6): the signer plus an older one.
    this.#work = Promise.all([this.#create(), this.#create()]).then(([signer, older]) => ({
      signer,
      published: [signer, older],
    }));
    this.#work.catch(() => undefined); // surfaced to the requests that await it, not as an unhandled rejection
  }

  async workSigner(): Promise<SigningKey> {
    return (await this.#work).signer;
  }

  async workKeys(): Promise<readonly SigningKey[]> {
    return (await this.#work).published;
  }

  /**
   * A published key by `kid` — work keys, and the MSA key once it exists — or `undefined`: what
   * validating a token the emulator issued needs (the on-behalf-of assertion, §3.5).
   */
  async publishedKey(kid: string): Promise<SigningKey | undefined> {
    const published = [...(await this.#work).published, ...(this.#msa ? [await this.#msa] : [])];
    return published.find((key) => key.kid === kid);
  }

  msaKey(): Promise<SigningKey> {
    this.#msa ??= this.#create();
    return this.#msa;
  }

  /**
   * A new key signs from now on and is published at once. The old signer
   * stays published unless `retireOld` — removing a key while tokens signed
   * with it still circulate is what broke clients in March 2021 (§10).
   */
  async rotate(retireOld: boolean): Promise<string> {
    const previous = this.#work;
    const next = this.#create();
    this.#work = Promise.all([previous, next]).then(([state, signer]) => ({
      signer,
      published: [signer, ...state.published.filter((key) => !retireOld || key !== state.signer)],
    }));
    return (await this.#work).signer.kid;
  }

  #create(): Promise<SigningKey> {
    return createSigningKey(this.#now(), CERTIFICATE_NAME);
  }
}
