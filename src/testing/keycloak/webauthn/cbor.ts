/**
 * A minimal CBOR decoder (RFC 8949) for what WebAuthn hands a relying party:
 * the attestation object and COSE keys (W3C WebAuthn Level 3 §6.5, which
 * requires the CTAP2 canonical encoding). Unsigned and negative integers,
 * byte and text strings, arrays, maps and the simple values false, true,
 * null and undefined; definite lengths only. Anything else — tags, floats,
 * indefinite lengths, truncated or trailing bytes, duplicate map keys, deep
 * nesting — is refused with a `CborError`, never a crash: the bytes come
 * from a browser, so from anyone.
 */

export type CborValue =
  | number
  | string
  | Uint8Array
  | boolean
  | null
  | undefined
  | CborValue[]
  | Map<number | string, CborValue>;

export class CborError extends Error {
  constructor(message: string) {
    super(`CBOR: ${message}`);
    this.name = "CborError";
  }
}

/** Deeper than any WebAuthn structure (the attestation object nests three levels). */
const MAX_DEPTH = 16;

/** Decodes exactly one item filling the whole input. */
export function decodeCbor(bytes: Uint8Array): CborValue {
  const { value, end } = decodeCborPrefix(bytes, 0);
  if (end !== bytes.length) throw new CborError(`${bytes.length - end} trailing byte(s) after the item`);
  return value;
}

/**
 * Decodes one item starting at `offset`; `end` is where it stops. authenticatorData carries the COSE key
 * followed by other bytes (W3C WebAuthn Level 3 §6.5.1), so its length is only known by decoding it.
 */
export function decodeCborPrefix(bytes: Uint8Array, offset: number): { value: CborValue; end: number } {
  const reader = new Reader(bytes, offset);
  const value = reader.item(0);
  return { value, end: reader.offset };
}

class Reader {
  constructor(
    private readonly bytes: Uint8Array,
    public offset: number,
  ) {}

  item(depth: number): CborValue {
    if (depth > MAX_DEPTH) throw new CborError(`nested deeper than ${MAX_DEPTH} levels`);
    const initial = this.#byte();
    const major = initial >> 5;
    const info = initial & 0x1f;
    // RFC 8949 §3.3: major type 7 carries simple values and floats in its additional information.
    if (major === 7) return this.#simple(info);
    const argument = this.#argument(info);
    switch (major) {
      case 0:
        return argument;
      case 1:
        return -1 - argument;
      case 2:
        return new Uint8Array(this.#take(argument)); // a plain copy, whatever the input was (a Buffer)
      case 3:
        return this.#text(argument);
      case 4:
        return this.#array(argument, depth);
      case 5:
        return this.#map(argument, depth);
      default:
        throw new CborError(`tags (major type 6) are not accepted, at byte ${this.offset - 1}`);
    }
  }

  #byte(): number {
    const value = this.bytes[this.offset];
    if (value === undefined) throw new CborError(`input ends at byte ${this.offset}, inside an item`);
    this.offset += 1;
    return value;
  }

  #take(length: number): Uint8Array {
    if (length > this.bytes.length - this.offset) {
      throw new CborError(`a string of ${length} bytes runs past the end of the input`);
    }
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  /** RFC 8949 §3: 0–23 inline, 24–27 a 1/2/4/8-byte big-endian argument; 28–30 reserved, 31 indefinite. */
  #argument(info: number): number {
    if (info < 24) return info;
    if (info === 31)
      throw new CborError("indefinite lengths are not accepted (WebAuthn needs canonical CBOR)");
    if (info > 27) throw new CborError(`reserved additional information ${info}`);
    const size = 1 << (info - 24);
    const raw = this.#take(size);
    let value = 0n;
    for (const byte of raw) value = (value << 8n) | BigInt(byte);
    if (value > BigInt(Number.MAX_SAFE_INTEGER))
      throw new CborError("an integer beyond 2^53 is not accepted");
    return Number(value);
  }

  #text(length: number): string {
    try {
      return new TextDecoder("utf-8", { fatal: true }).decode(this.#take(length));
    } catch (err) {
      if (err instanceof CborError) throw err;
      throw new CborError("a text string is not valid UTF-8");
    }
  }

  #array(length: number, depth: number): CborValue[] {
    // Every item takes at least one byte: a claimed length beyond the input is malformed, not a big allocation.
    if (length > this.bytes.length - this.offset)
      throw new CborError(`an array of ${length} items runs past the end`);
    const items: CborValue[] = [];
    for (let i = 0; i < length; i++) items.push(this.item(depth + 1));
    return items;
  }

  #map(length: number, depth: number): Map<number | string, CborValue> {
    if (length * 2 > this.bytes.length - this.offset)
      throw new CborError(`a map of ${length} pairs runs past the end`);
    const map = new Map<number | string, CborValue>();
    for (let i = 0; i < length; i++) {
      const key = this.item(depth + 1);
      if (typeof key !== "number" && typeof key !== "string") {
        throw new CborError(
          "map keys must be integers or text strings (as in COSE and the attestation object)",
        );
      }
      if (map.has(key)) throw new CborError(`duplicate map key ${JSON.stringify(key)}`);
      map.set(key, this.item(depth + 1));
    }
    return map;
  }

  /** RFC 8949 §3.3: 20 false, 21 true, 22 null, 23 undefined. Floats are refused: WebAuthn uses none. */
  #simple(info: number): CborValue {
    if (info === 20) return false;
    if (info === 21) return true;
    if (info === 22) return null;
    if (info === 23) return undefined;
    if (info >= 25 && info <= 27) throw new CborError("floating-point numbers are not accepted");
    throw new CborError(`simple value with additional information ${info} is not accepted`);
  }
}
