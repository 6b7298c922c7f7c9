/**
 * A software WebAuthn authenticator for tests of Keycloak-lite's passkeys: an
 * ES256 (or RS256) key from WebCrypto, authenticator data, a "none"
 * attestation object and assertions built by hand (W3C WebAuthn Level 3
 * §6.1, §6.5, §8.7), with a small CBOR encoder (RFC 8949, definite lengths
 * only). Every field can be spoiled, so a test can build each attack.
 */
import { createHash, randomBytes, webcrypto } from "node:crypto";

const subtle = webcrypto.subtle;

type Cbor = number | string | Uint8Array | boolean | null | Cbor[] | Map<number | string, Cbor>;

function head(major: number, length: number): Uint8Array {
  if (length < 24) return Uint8Array.of((major << 5) | length);
  if (length < 0x100) return Uint8Array.of((major << 5) | 24, length);
  if (length < 0x10000) return Uint8Array.of((major << 5) | 25, length >> 8, length & 0xff);
  const out = new Uint8Array(5);
  out[0] = (major << 5) | 26;
  new DataView(out.buffer).setUint32(1, length);
  return out;
}

export function encodeCbor(value: Cbor): Uint8Array {
  if (typeof value === "number") return value >= 0 ? head(0, value) : head(1, -1 - value);
  if (typeof value === "string") {
    const bytes = new TextEncoder().encode(value);
    return Buffer.concat([head(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([head(2, value.length), value]);
  if (value === false) return Uint8Array.of(0xf4);
  if (value === true) return Uint8Array.of(0xf5);
  if (value === null) return Uint8Array.of(0xf6);
  if (Array.isArray(value)) return Buffer.concat([head(4, value.length), ...value.map(encodeCbor)]);
  const parts = [...value].flatMap(([k, v]) => [encodeCbor(k), encodeCbor(v)]);
  return Buffer.concat([head(5, value.size), ...parts]);
}

const b64u = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const sha256 = (data: Uint8Array | string) => new Uint8Array(createHash("sha256").update(data).digest());

/** WebCrypto's ECDSA signature is r‖s (IEEE P1363); WebAuthn sends ASN.1 DER (§6.5.5). */
function rawToDer(raw: Uint8Array): Uint8Array {
  const integer = (bytes: Uint8Array) => {
    let i = 0;
    while (i < bytes.length - 1 && bytes[i] === 0) i++;
    let trimmed = bytes.subarray(i);
    if ((trimmed[0] ?? 0) & 0x80) trimmed = Buffer.concat([Uint8Array.of(0), trimmed]);
    return Buffer.concat([Uint8Array.of(0x02, trimmed.length), trimmed]);
  };
  const body = Buffer.concat([integer(raw.subarray(0, 32)), integer(raw.subarray(32))]);
  return Buffer.concat([Uint8Array.of(0x30, body.length), body]);
}

export interface Ceremony {
  readonly challenge: string;
  readonly origin: string;
  readonly rpId: string;
}

/** What can be spoiled in a response: flags, the rpId hashed, the type and origin in clientData. */
export interface Spoil {
  readonly flags?: number;
  readonly rpId?: string;
  readonly type?: string;
  readonly origin?: string;
  readonly challenge?: string;
  readonly fmt?: string;
  readonly signCount?: number;
}

/** UP | UV */
export const FLAGS_UP_UV = 0x05;

export class SoftwareAuthenticator {
  readonly credentialId = new Uint8Array(randomBytes(16));
  signCount = 0;

  private constructor(
    private readonly keys: webcrypto.CryptoKeyPair,
    private readonly alg: -7 | -257,
    private readonly cose: Map<number, Cbor>,
  ) {}

  static async create(alg: -7 | -257 = -7): Promise<SoftwareAuthenticator> {
    if (alg === -7) {
      const keys = await subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"]);
      const jwk = await subtle.exportKey("jwk", keys.publicKey);
      const cose = new Map<number, Cbor>([
        [1, 2],
        [3, -7],
        [-1, 1],
        [-2, Buffer.from(jwk.x ?? "", "base64url")],
        [-3, Buffer.from(jwk.y ?? "", "base64url")],
      ]);
      return new SoftwareAuthenticator(keys, alg, cose);
    }
    const keys = await subtle.generateKey(
      {
        name: "RSASSA-PKCS1-v1_5",
        modulusLength: 2048,
        publicExponent: Uint8Array.of(1, 0, 1),
        hash: "SHA-256",
      },
      true,
      ["sign", "verify"],
    );
    const jwk = await subtle.exportKey("jwk", keys.publicKey);
    const cose = new Map<number, Cbor>([
      [1, 3],
      [3, -257],
      [-1, Buffer.from(jwk.n ?? "", "base64url")],
      [-2, Buffer.from(jwk.e ?? "", "base64url")],
    ]);
    return new SoftwareAuthenticator(keys, alg, cose);
  }

  get id(): string {
    return b64u(this.credentialId);
  }

  clientData(type: string, ceremony: Ceremony, spoil: Spoil = {}): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({
        type: spoil.type ?? type,
        challenge: spoil.challenge ?? ceremony.challenge,
        origin: spoil.origin ?? ceremony.origin,
        crossOrigin: false,
      }),
    );
  }

  /** navigator.credentials.create(): clientDataJSON and a "none" attestation object (§8.7). */
  register(ceremony: Ceremony, spoil: Spoil = {}) {
    const idLength = Uint8Array.of(this.credentialId.length >> 8, this.credentialId.length & 0xff);
    const authData = Buffer.concat([
      this.#authDataHead(ceremony.rpId, (spoil.flags ?? FLAGS_UP_UV) | 0x40, spoil),
      new Uint8Array(16), // aaguid: none
      idLength,
      this.credentialId,
      encodeCbor(this.cose),
    ]);
    const attestationObject = encodeCbor(
      new Map<string, Cbor>([
        ["fmt", spoil.fmt ?? "none"],
        ["attStmt", new Map()],
        ["authData", authData],
      ]),
    );
    return {
      credentialId: this.id,
      clientDataJSON: this.clientData("webauthn.create", ceremony, spoil),
      attestationObject: new Uint8Array(attestationObject),
    };
  }

  /** navigator.credentials.get(): signs authenticatorData ‖ SHA-256(clientDataJSON) (§6.3.3). */
  async assert(ceremony: Ceremony, userHandle: string, spoil: Spoil = {}, signWith?: SoftwareAuthenticator) {
    this.signCount = spoil.signCount ?? this.signCount + 1;
    const authenticatorData = new Uint8Array(
      this.#authDataHead(ceremony.rpId, spoil.flags ?? FLAGS_UP_UV, spoil),
    );
    const clientDataJSON = this.clientData("webauthn.get", ceremony, spoil);
    const signature = await (signWith ?? this).sign(
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
    );
    return {
      credentialId: this.id,
      clientDataJSON,
      authenticatorData,
      signature,
      userHandle: new TextEncoder().encode(userHandle),
    };
  }

  async sign(data: Uint8Array): Promise<Uint8Array> {
    if (this.alg === -257) {
      return new Uint8Array(await subtle.sign("RSASSA-PKCS1-v1_5", this.keys.privateKey, data));
    }
    const raw = new Uint8Array(
      await subtle.sign({ name: "ECDSA", hash: "SHA-256" }, this.keys.privateKey, data),
    );
    return rawToDer(raw);
  }

  #authDataHead(rpId: string, flags: number, spoil: Spoil): Uint8Array {
    const count = new Uint8Array(4);
    new DataView(count.buffer).setUint32(0, spoil.signCount ?? this.signCount);
    return Buffer.concat([sha256(spoil.rpId ?? rpId), Uint8Array.of(flags), count]);
  }
}
