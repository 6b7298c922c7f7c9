/**
 * The machine's PostgreSQL for store tests. Each test gets its own schema
 * (named after the process, so parallel runs never meet) and the file drops
 * them all at the end.
 */
import pg from "pg";

export const POSTGRES_URL =
  process.env.IDSWITCH_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test";

export class Schemas {
  readonly #created: string[] = [];
  readonly admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });

  constructor(readonly prefix: string) {}

  /** A fresh schema name (not yet created: the store's migration creates it). */
  next(): string {
    const name = `${this.prefix}_${process.pid}_${this.#created.length + 1}`;
    this.#created.push(name);
    return name;
  }

  async dropAll(): Promise<void> {
    for (const name of this.#created) await this.admin.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    await this.admin.end();
  }
}
