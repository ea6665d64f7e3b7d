/**
 * The tenant object's only door to SQLite. Every statement is a constant string with bound
 * parameters (never caller text joined into SQL); failures are wrapped in SqlError, which keeps
 * the statement for the log but never reaches a response.
 */
import type { z } from "@hono/zod-openapi";

export type SqlValue = string | number | null | ArrayBuffer;

export class SqlError extends Error {
  readonly statement: string;
  constructor(statement: string, cause: unknown) {
    super(`SQL failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "SqlError";
    this.statement = statement;
  }
}

export class Db {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  all<T>(statement: string, ...params: SqlValue[]): T[] {
    try {
      return this.#storage.sql.exec(statement, ...params).toArray() as T[];
    } catch (error) {
      throw new SqlError(statement, error);
    }
  }

  one<T>(statement: string, ...params: SqlValue[]): T | null {
    const rows = this.all<T>(statement, ...params);
    return rows[0] ?? null;
  }

  /** Runs a write; returns how many rows it wrote (as SQLite counts them, triggers included). */
  run(statement: string, ...params: SqlValue[]): number {
    try {
      return this.#storage.sql.exec(statement, ...params).rowsWritten;
    } catch (error) {
      throw new SqlError(statement, error);
    }
  }

  /** All or nothing: a throw inside `fn` rolls every write back. */
  transaction<T>(fn: () => T): T {
    return this.#storage.transactionSync(fn);
  }

  /** Streams rows without materialising them all (for verification passes over large tables). */
  *iterate<T>(statement: string, ...params: SqlValue[]): Generator<T> {
    let cursor: Iterable<Record<string, SqlValue>>;
    try {
      cursor = this.#storage.sql.exec(statement, ...params);
    } catch (error) {
      throw new SqlError(statement, error);
    }
    for (const row of cursor) yield row as T;
  }
}

/** JSON read back from storage is validated like any other boundary input. */
export function parseStoredJson<T extends z.ZodType>(schema: T, text: string): z.infer<T> | undefined {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

/**
 * Every tenant call reads the tenant record and settings; parsing them is what costs, not the
 * indexed read. Parsing is memoised on the stored text itself, so a change made by anyone (this
 * object, a test, an import) is seen on the very next read.
 */
export function memoParse<T>(parse: (text: string) => T): (text: string) => T {
  let last: { text: string; value: T } | undefined;
  return (text) => {
    if (last?.text !== text) last = { text, value: parse(text) };
    return last.value;
  };
}
