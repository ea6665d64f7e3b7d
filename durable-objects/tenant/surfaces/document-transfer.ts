import { MAX_TENANT_DOCUMENTS, type ExportDocumentVersion } from "../../../schemas/documents";
import type { RecordData, RecordKind } from "../../../schemas/export";
import type { DocumentChunk } from "../../knowledge/chunk";
import { documents } from "../../knowledge/data/documents";
import type { Db } from "../data/db";
import { invalid } from "./import-staging";

/**
 * The tenant's documents in its export file and back. Every version goes, not only the current
 * one: a `doc:<docId>#<chunk>` citation resolves to an older version when the current one no
 * longer holds that chunk, `?version=N` reads any version, and the export's chat messages keep
 * their citations, so a restored tenant must answer them as the original did (export → import →
 * export writes the same lines). Lines: one `document` per version, oldest first per document,
 * then one `document.chunk` per chunk of those versions in the same order (a version's chunks
 * never fit one line: 2,000 chunks of 2,000 characters against MAX_LINE_CHARS).
 */

/**
 * The two readers of an export. The versions are listed once, when the `document` lines begin,
 * and the `document.chunk` lines follow exactly those versions, so a document written while the
 * export streams (pages are read between requests) cannot give chunks without their version.
 */
export function documentExport(db: Db): {
  versions: () => Generator<RecordData<"document">>;
  chunks: () => Generator<RecordData<"document.chunk">>;
} {
  let listed: { id: string; version: number }[] = [];
  return {
    *versions() {
      listed = [];
      for (const doc of documents.list(db)) {
        for (let n = 1; n <= doc.version; n++) {
          const version = documents.getVersion(db, doc.id, n);
          if (!version) continue;
          listed.push({ id: doc.id, version: n });
          const { id, title, format, chunkCount, updatedAt } = version;
          yield { id, version: n, title, format, chunkCount, createdAt: updatedAt };
        }
      }
    },
    *chunks() {
      for (const { id, version } of listed)
        for (const chunk of documents.chunks(db, id, version))
          yield { docId: id, version, id: chunk.id, headingPath: chunk.headingPath, text: chunk.text };
    },
  };
}

type Each = <K extends RecordKind>(kind: K, fn: (data: RecordData<K>, line: number) => void) => void;

/**
 * Restores the staged document lines, inside the import's transaction: each version stored as an
 * upload would have been (the current one indexed), with the times of the file. Throws a 422
 * naming the line for versions out of order, chunks that follow no version, or counts that differ.
 */
export function restoreDocuments(db: Db, each: Each): void {
  const versions: (ExportDocumentVersion & { line: number })[] = [];
  const position = new Map<string, number>();
  const key = (id: string, version: number) => `${id}@${version}`;
  let count = 0;
  each("document", (v, line) => {
    const before = versions[versions.length - 1];
    if (v.version === 1 && position.has(key(v.id, 1))) throw invalid(line, `document ${v.id} appears twice`);
    if (v.version > 1 && (before?.id !== v.id || before.version !== v.version - 1))
      throw invalid(line, `document ${v.id} version ${v.version} does not follow its version ${v.version - 1}`);
    if (v.version === 1 && ++count > MAX_TENANT_DOCUMENTS)
      throw invalid(line, `the file holds more than ${MAX_TENANT_DOCUMENTS} documents (MAX_TENANT_DOCUMENTS)`);
    position.set(key(v.id, v.version), versions.length);
    versions.push({ ...v, line });
  });
  let next = 0;
  let chunks: DocumentChunk[] = [];
  const ids = new Set<string>();
  const store = () => {
    const v = versions[next++]!;
    if (chunks.length !== v.chunkCount)
      throw invalid(v.line, `document ${v.id} version ${v.version} has ${chunks.length} chunk lines, not ${v.chunkCount}`);
    documents.putVersion(db, { id: v.id, title: v.title, format: v.format, chunks, at: v.createdAt }, v.version);
    chunks = [];
    ids.clear();
  };
  each("document.chunk", (c, line) => {
    const at = position.get(key(c.docId, c.version));
    if (at === undefined || at < next)
      throw invalid(line, `chunk ${c.id} of document ${c.docId} version ${c.version} follows no document line in order`);
    while (next < at) store();
    if (ids.has(c.id)) throw invalid(line, `chunk ${c.id} of document ${c.docId} version ${c.version} appears twice`);
    ids.add(c.id);
    // Offsets in the uploaded text are not stored; the chunk's text is.
    chunks.push({ id: c.id, headingPath: c.headingPath, text: c.text, start: 0, end: c.text.length });
  });
  while (next < versions.length) store();
}
