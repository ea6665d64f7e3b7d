import { describe, expect, it } from "vitest";

/**
 * SQL is executed only by the actors' data-access modules (durable-objects/tenant/data/, and the
 * knowledge library's durable-objects/knowledge/data/).
 * This test reads every production source file and fails the build if SQL or a storage SQL call
 * appears anywhere else.
 */
const sources = import.meta.glob(["../../src/**/*.ts", "../../durable-objects/**/*.ts", "../../schemas/**/*.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

const DATA_ACCESS_DIR = "../../durable-objects/tenant/data/";
/** The knowledge library's own tables (durable-objects/knowledge/data/), through the same Db. */
const LIBRARY_DATA_DIR = "../../durable-objects/knowledge/data/";

const SQL_PATTERNS: [string, RegExp][] = [
  ["storage.sql", /\.sql\s*\.\s*exec\b|\bsql\s*\.\s*exec\s*\(|\.sql\s*`|\bthis\.sql\s*\(/],
  ["transactionSync", /\btransactionSync\s*\(/],
  ["SELECT … FROM", /\bSELECT\b[\s\S]{0,200}?\bFROM\b/],
  ["INSERT INTO", /\bINSERT\s+(OR\s+\w+\s+)?INTO\b/],
  ["UPDATE … SET", /\bUPDATE\s+\w+\s+SET\b/],
  ["DELETE FROM", /\bDELETE\s+FROM\b/],
  ["DDL", /\b(CREATE|DROP|ALTER)\s+(TABLE|INDEX|TRIGGER|VIRTUAL\s+TABLE)\b/],
];

export function sqlFindings(source: string): string[] {
  return SQL_PATTERNS.filter(([, pattern]) => pattern.test(source)).map(([name]) => name);
}

describe("SQL boundary", () => {
  it("reads the production sources", () => {
    const files = Object.keys(sources);
    expect(files.some((f) => f.endsWith("durable-objects/tenant/tenant-object.ts"))).toBe(true);
    expect(files.some((f) => f.endsWith("src/app.ts"))).toBe(true);
    expect(files.some((f) => f.startsWith(DATA_ACCESS_DIR))).toBe(true);
  });

  it("finds SQL only in the data-access modules", () => {
    const offenders = Object.entries(sources)
      .filter(([file]) => !file.startsWith(DATA_ACCESS_DIR) && !file.startsWith(LIBRARY_DATA_DIR))
      .flatMap(([file, source]) => sqlFindings(source).map((what) => `${file}: ${what}`));
    expect(offenders).toEqual([]);
  });

  it("the detector catches each kind of SQL (the guard can fail)", () => {
    expect(sqlFindings("this.ctx.storage.sql.exec('x')")).toContain("storage.sql");
    expect(sqlFindings("const rows = this.sql`SELECT 1`")).toContain("storage.sql");
    expect(sqlFindings("ctx.storage.transactionSync(() => {})")).toContain("transactionSync");
    expect(sqlFindings("`SELECT id FROM jobs`")).toContain("SELECT … FROM");
    expect(sqlFindings("'INSERT INTO notes VALUES (?)'")).toContain("INSERT INTO");
    expect(sqlFindings("'UPDATE jobs SET x = 1'")).toContain("UPDATE … SET");
    expect(sqlFindings("'DELETE FROM notes'")).toContain("DELETE FROM");
    expect(sqlFindings("'CREATE TABLE x (a)'")).toContain("DDL");
    // Keywords are matched in upper case (our SQL convention), so prose in comments is not flagged;
    // executing SQL in any case is still caught by the storage.sql / transactionSync patterns.
    expect(sqlFindings("// select the best option from the list")).toEqual([]);
    expect(sqlFindings("state.storage.sql.exec('select 1')")).toEqual(["storage.sql"]);
    expect(sqlFindings("export const x = 1;")).toEqual([]);
  });
});
