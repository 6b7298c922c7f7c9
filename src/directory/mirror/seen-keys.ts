/**
 * The people a full users round listed, kept for the removal sweep that
 * follows it: whoever is mirrored in Keycloak but was not listed is gone at
 * the source.
 *
 * This is the one structure of the mirror that grows with the directory, so
 * it is packed: a key is `tid:oid` and an Entra object id is a GUID, so each
 * person costs 16 bytes (a `Set` of the key strings costs ~130). Exact, not
 * hashed: a collision would hide a removal, and hiding a removal keeps a
 * person signed in who should not be. A key that is not `tid:GUID` (another
 * source) falls back to a plain set.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const WORDS = 4; // 128 bits per object id

export class SeenKeys {
  readonly #tenant: string;
  #words = new Uint32Array(1024 * WORDS);
  #count = 0;
  #sorted: Uint32Array | undefined;
  readonly #other = new Set<string>();

  /** `tenantId`: the source's tenant; keys of other tenants are kept in the plain set. */
  constructor(tenantId: string) {
    this.#tenant = `${tenantId.toLowerCase()}:`;
  }

  get size(): number {
    return this.#count + this.#other.size;
  }

  add(key: string): void {
    const words = this.#pack(key);
    if (!words) {
      this.#other.add(key);
      return;
    }
    if ((this.#count + 1) * WORDS > this.#words.length) {
      const grown = new Uint32Array(this.#words.length * 2);
      grown.set(this.#words);
      this.#words = grown;
    }
    this.#words.set(words, this.#count * WORDS);
    this.#count++;
    this.#sorted = undefined;
  }

  has(key: string): boolean {
    const words = this.#pack(key);
    if (!words) return this.#other.has(key);
    const order = this.#order();
    let low = 0;
    let high = order.length - 1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      const c = this.#compare(order[middle] as number, words);
      if (c === 0) return true;
      if (c < 0) low = middle + 1;
      else high = middle - 1;
    }
    return false;
  }

  /** The object id's 128 bits, or undefined when the key is not `tid:GUID` of this tenant. */
  #pack(key: string): Uint32Array | undefined {
    const lower = key.toLowerCase();
    if (!lower.startsWith(this.#tenant)) return undefined;
    const oid = lower.slice(this.#tenant.length);
    if (!GUID.test(oid)) return undefined;
    const hex = oid.replaceAll("-", "");
    const words = new Uint32Array(WORDS);
    for (let i = 0; i < WORDS; i++) words[i] = Number.parseInt(hex.slice(i * 8, i * 8 + 8), 16);
    return words;
  }

  /** Record indexes in ascending key order, built once after the round (adds invalidate it). */
  #order(): Uint32Array {
    if (!this.#sorted) {
      const order = new Uint32Array(this.#count);
      for (let i = 0; i < order.length; i++) order[i] = i;
      order.sort((a, b) => this.#compare(a, this.#words.subarray(b * WORDS, b * WORDS + WORDS)));
      this.#sorted = order;
    }
    return this.#sorted;
  }

  #compare(record: number, words: Uint32Array): number {
    for (let i = 0; i < WORDS; i++) {
      const a = this.#words[record * WORDS + i] as number;
      const b = words[i] as number;
      if (a !== b) return a < b ? -1 : 1;
    }
    return 0;
  }
}
