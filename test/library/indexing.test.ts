import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { chunkDocument } from "../../durable-objects/knowledge/chunk";
import { chunkIndex } from "../../durable-objects/knowledge/data/chunk-index";
import { documents } from "../../durable-objects/knowledge/data/documents";
import { knowledgeLibrary } from "../../durable-objects/knowledge/stub";
import { Db } from "../../durable-objects/tenant/data/db";
import { parseQuery } from "../../durable-objects/tenant/data/search";
import { INDEX_STEP_CHUNKS } from "../../schemas/library";
import { call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import { uniqueWord } from "../helpers/library";
import { makePdf, wrap } from "../helpers/pdf";
import { operatorToken, tenantWithCast, uniqueId, type Cast } from "../helpers/world";

/**
 * Big documents are indexed in bounded steps: an upload stages every chunk and indexes the first
 * INDEX_STEP_CHUNKS, answers 202 `indexing` when more wait, and the library's alarm adds the rest
 * one step at a time; a version is searched only once all of it is in; a new version supersedes one
 * still indexing.
 */
const DOCS = "/v1/platform/library/documents";

let operator: string;
let cast: Cast;

beforeAll(async () => {
  operator = await operatorToken();
  cast = await tenantWithCast("idx");
});

/** A paragraph of ~600 characters with `word` in it. */
const paragraph = (word: string, n: number) =>
  `Step ${n}: ${word} ` + "Isolate the unit, verify zero energy, and record the reading on the service sheet. ".repeat(7);

/** Runs `fn` on the library's own storage, synchronously (no alarm runs in between). */
const inLibrary = <T>(fn: (db: Db) => T): Promise<T> =>
  runInDurableObject(knowledgeLibrary(env), (_instance, state) => fn(new Db(state.storage)));

async function waitReady(
  id: string,
  timeoutMs = 60_000,
): Promise<{ seen: number[]; doc: { status: string; indexedChunks: number; chunkCount: number } }> {
  const seen: number[] = [];
  const until = Date.now() + timeoutMs;
  for (;;) {
    const doc = expectOk(await call(`${DOCS}/${id}`, { token: operator }));
    if (seen.at(-1) !== doc.indexedChunks) seen.push(doc.indexedChunks);
    if (doc.status === "ready") return { seen, doc };
    if (Date.now() > until) throw new Error(`still indexing after ${timeoutMs} ms: ${JSON.stringify(seen)}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe("big documents indexed in steps", () => {
  it("takes a 300-page PDF with 202, shows progress, and makes it searchable once every step ran", async () => {
    const [first, last] = [uniqueWord(), uniqueWord()];
    const pages = Array.from({ length: 300 }, (_, i) => {
      const n = i + 1;
      const w = n === 1 ? first : n === 300 ? last : `page${n}`;
      // Two paragraphs a page (a gap of three line heights between them), ~600 characters each.
      return [...wrap(paragraph(w, 1)), "", "", ...wrap(paragraph(w, 2))];
    });
    const pdf = await makePdf(pages, { compress: true });
    const id = uniqueId("big-manual");
    const started = Date.now();
    const res = await call(`${DOCS}?title=Big+manual&id=${id}`, {
      token: operator,
      rawBody: pdf,
      headers: { "content-type": "application/pdf" },
    });
    const accepted = expectOk(res, 202);
    console.log(JSON.stringify({ pages: 300, pdfBytes: pdf.byteLength, uploadMs: Date.now() - started, chunks: accepted.chunkCount }));
    expect(accepted).toMatchObject({ id, status: "indexing", indexedChunks: INDEX_STEP_CHUNKS });
    expect(accepted.chunkCount).toBeGreaterThanOrEqual(600);

    const { seen, doc } = await waitReady(id);
    expect(doc).toMatchObject({ status: "ready", indexedChunks: accepted.chunkCount, chunkCount: accepted.chunkCount });
    // Progress only grows, in steps of at most INDEX_STEP_CHUNKS.
    for (let i = 1; i < seen.length; i++) expect(seen[i]! - seen[i - 1]!).toBeGreaterThan(0);
    const hits = expectOk(await call(`/v1/library/search?q=${last}`, { token: cast.technician })).hits;
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]).toMatchObject({ title: "Big manual", heading: "Page 300" });
    expect(expectOk(await call(`/v1/library/search?q=${first}`, { token: cast.technician })).hits[0].heading).toBe("Page 1");
    // The list answers the same status.
    const listed = expectOk(await call(DOCS, { token: operator })).documents.find((d: { id: string }) => d.id === id);
    expect(listed).toMatchObject({ status: "ready", indexedChunks: accepted.chunkCount });
  });

  it("searches a version only once all of it is indexed, and lets a new version supersede one still indexing", async () => {
    const [w1, w2] = [uniqueWord(), uniqueWord()];
    const id = uniqueId("steps");
    const text = (w: string, n: number) => Array.from({ length: n }, (_, i) => `# Part ${i}\n\n${w} part ${i}.`).join("\n\n");
    const search = (db: Db, w: string) => chunkIndex.search(db, parseQuery(w), 50).hits.filter((h) => h.docId === id);
    const result = await inLibrary((db) => {
      const at = new Date().toISOString();
      const put = (w: string, version: number, n: number) =>
        db.transaction(() =>
          documents.putVersion(
            db,
            { id, title: "Steps", format: "markdown", chunks: chunkDocument(text(w, n), "markdown"), at },
            version,
            0,
          ),
        );
      const v1 = put(w1, 1, 450);
      const staged = { status: v1.status, indexed: v1.indexedChunks, found: search(db, w1).length };
      // Half-way through v1, v2 arrives: v1 leaves the index, v2's steps start from its first chunk.
      let steps = 0;
      while (documents.get(db, id)!.indexedChunks < 300) {
        db.transaction(() => documents.indexStep(db, 150));
        steps++;
      }
      const halfway = { found: search(db, w1).length, indexed: documents.get(db, id)!.indexedChunks };
      const v2 = put(w2, 2, 250);
      const afterPut = { version: v2.version, status: v2.status, v1: search(db, w1).length };
      const taken: number[] = [];
      for (;;) {
        const step = db.transaction(() => documents.indexStep(db, 100));
        taken.push(step.indexed);
        if (!step.pending) break;
      }
      const done = { doc: documents.get(db, id)!, v1: search(db, w1).length, v2: search(db, w2).length };
      documents.remove(db, id);
      return { staged, steps, halfway, afterPut, taken, done };
    });
    expect(result.staged).toEqual({ status: "indexing", indexed: 0, found: 0 });
    // 300 after two steps of 150, or a little more when another upload's chunks shared a step.
    expect(result.halfway.found).toBe(0);
    expect(result.halfway.indexed).toBeGreaterThanOrEqual(300);
    expect(result.halfway.indexed).toBeLessThan(450);
    expect(result.afterPut).toEqual({ version: 2, status: "indexing", v1: 0 });
    // Other documents may be waiting too (other tests' uploads); this one's 250 chunks take at least 3 steps.
    expect(result.taken.length).toBeGreaterThanOrEqual(3);
    expect(result.done.doc).toMatchObject({ version: 2, status: "ready", indexedChunks: 250, chunkCount: 250 });
    expect(result.done.v1).toBe(0);
    expect(result.done.v2).toBe(50);
  });

  it("answers a PUT during indexing with the new version, and only it becomes searchable", async () => {
    const [w1, w2] = [uniqueWord(), uniqueWord()];
    const id = uniqueId("supersede");
    const sections = (w: string, n: number) => Array.from({ length: n }, (_, i) => `# S${i}\n\n${w} section ${i}.`).join("\n\n");
    const big = expectOk(
      await call(DOCS, { token: operator, body: { id, title: "Big", format: "markdown", text: sections(w1, 1_500) } }),
      202,
    );
    expect(big).toMatchObject({ status: "indexing", chunkCount: 1_500 });
    const small = await call(`${DOCS}/${id}`, {
      token: operator,
      method: "PUT",
      body: { title: "Small", format: "markdown", text: sections(w2, 3) },
    });
    expect(expectOk(small)).toMatchObject({ version: 2, status: "ready", chunkCount: 3, indexedChunks: 3 });
    expect(expectOk(await call(`/v1/library/search?q=${w2}`, { token: cast.technician })).hits).toHaveLength(3);
    expect(expectOk(await call(`/v1/library/search?q=${w1}`, { token: cast.technician })).hits).toHaveLength(0);
    // Version 1 stays readable as it was.
    expect(expectOk(await call(`${DOCS}/${id}?version=1`, { token: operator }))).toMatchObject({ version: 1, chunkCount: 1_500 });
  });

  it("measures a step of INDEX_STEP_CHUNKS chunks of a 2,000-chunk document", async () => {
    const id = uniqueId("timing");
    const text = Array.from({ length: 2_000 }, (_, i) => `# Section ${i}\n\n${paragraph(`timing${i}`, i)}`).join("\n\n");
    const chunks = chunkDocument(text, "markdown");
    expect(chunks).toHaveLength(2_000);
    const at = new Date().toISOString();
    let started = Date.now();
    await inLibrary((db) =>
      db.transaction(() => documents.putVersion(db, { id, title: "Timing", format: "markdown", chunks, at }, 1, INDEX_STEP_CHUNKS)),
    );
    const stage = Date.now() - started;
    const steps: number[] = [];
    for (;;) {
      started = Date.now();
      const indexed = await inLibrary((db) => {
        const doc = documents.get(db, id)!;
        if (doc.status === "ready") return -1;
        return db.transaction(() => documents.indexStep(db, INDEX_STEP_CHUNKS)).indexed;
      });
      if (indexed < 0) break;
      steps.push(Date.now() - started);
    }
    await inLibrary((db) => documents.remove(db, id));
    console.log(JSON.stringify({ chunks: 2_000, stageAndFirstStepMs: stage, stepMs: steps }));
    expect(steps.length).toBeGreaterThanOrEqual(1);
  });
});
