/**
 * The tenant object's only door to SQLite. Every statement is a constant string with bound
 * parameters (never caller text joined into SQL); failures are wrapped in SqlError, which keeps
 * the statement for the log but never reaches a response.
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { z } from "@hono/zod-openapi";
import type { SqlWork } from "../../../schemas/rpc";

export type SqlValue = string | number | null | ArrayBuffer;

export class SqlError extends Error {
  readonly statement: string;
  constructor(statement: string, cause: unknown) {
    super(`SQL failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = "SqlError";
    this.statement = statement;
  }
}

/**
 * The SQL work of the call in progress, counted per async context: a call that awaits (a copilot
 * turn waiting on its provider) does not count the statements of calls that run meanwhile.
 */
const meters = new AsyncLocalStorage<SqlWork>();

/**
 * Runs `fn` with every statement it runs (also after its awaits) counted into `work`, and its time
 * (until its promise settles, for an async `fn`) added to `work.ms`.
 */
export function metered<T>(work: SqlWork, fn: () => T): T {
  const started = performance.now();
  const stop = () => void (work.ms += performance.now() - started);
  let result: T;
  try {
    result = meters.run(work, fn);
  } catch (error) {
    stop();
    throw error;
  }
  if (result instanceof Promise) return result.finally(stop) as T;
  stop();
  return result;
}

function count(cursor: { rowsRead: number; rowsWritten: number }): void {
  const work = meters.getStore();
  if (!work) return;
  work.statements += 1;
  work.rowsRead += cursor.rowsRead;
  work.rowsWritten += cursor.rowsWritten;
}

export class Db {
  readonly #storage: DurableObjectStorage;

  constructor(storage: DurableObjectStorage) {
    this.#storage = storage;
  }

  all<T>(statement: string, ...params: SqlValue[]): T[] {
    try {
      const cursor = this.#storage.sql.exec(statement, ...params);
      const rows = cursor.toArray() as T[];
      count(cursor);
      return rows;
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
      const cursor = this.#storage.sql.exec(statement, ...params);
      count(cursor);
      return cursor.rowsWritten;
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
    let cursor: SqlStorageCursor<Record<string, SqlValue>>;
    try {
      cursor = this.#storage.sql.exec(statement, ...params);
    } catch (error) {
      throw new SqlError(statement, error);
    }
    try {
      for (const row of cursor) yield row as T;
    } finally {
      count(cursor);
    }
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
