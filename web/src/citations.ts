import type { Citation } from "../../schemas/copilot";

/**
 * Where a citation leads. Records (`note:N-1`, `event:E-2`, `job:J-3`, …) are on a job's page; a
 * tenant document's chunk (`doc:<docId>#<chunk>`) and a library chunk
 * (`kb:<docId>@<version>#<chunk>`) open the document view (`/documents/…`, `/library/…`), which
 * shows the cited text. Pure (no Preact), so the e2e tests build the same links.
 */
export type DocumentSource = "documents" | "library";

/** A document chunk a citation names: whose document, which version (the library's only), which chunk. */
export interface ChunkRef {
  source: DocumentSource;
  docId: string;
  version: number | null;
  chunkId: string;
}

// The shapes of schemas/library.ts: DocumentId and ChunkId.
const DOC_ID = "[a-z0-9][a-z0-9-]{0,63}";
const CHUNK_ID = "[a-z0-9]{8,16}";
const TENANT_REF = new RegExp(`^doc:(${DOC_ID})#(${CHUNK_ID})$`);
const LIBRARY_REF = new RegExp(`^kb:(${DOC_ID})@([1-9][0-9]{0,8})#(${CHUNK_ID})$`);

/** The chunk a `doc:` or `kb:` ref cites; null for a record's ref or anything malformed. */
export function chunkRefOf(ref: string): ChunkRef | null {
  const tenant = TENANT_REF.exec(ref);
  if (tenant?.[1] && tenant[2]) return { source: "documents", docId: tenant[1], version: null, chunkId: tenant[2] };
  const library = LIBRARY_REF.exec(ref);
  if (library?.[1] && library[2] && library[3])
    return { source: "library", docId: library[1], version: Number(library[2]), chunkId: library[3] };
  return null;
}

/** The document view's address: a document (its current version), or a version's cited chunk. */
export function documentHref(source: DocumentSource, docId: string, version: number | null = null, chunkId: string | null = null): string {
  const query = new URLSearchParams();
  if (version !== null) query.set("version", String(version));
  if (chunkId !== null) query.set("chunk", chunkId);
  const search = query.toString();
  return `/${source}/${encodeURIComponent(docId)}${search ? `?${search}` : ""}`;
}

/** Where a citation leads: a cited chunk's document view; a record on this page when it is here, else its job's page. */
export function citationHref(citation: Pick<Citation, "ref" | "jobId">, currentJobId: string | undefined): string {
  const chunk = chunkRefOf(citation.ref);
  if (chunk) return documentHref(chunk.source, chunk.docId, chunk.version, chunk.chunkId);
  const [kind, ...rest] = citation.ref.split(":");
  const id = rest.join(":");
  const anchor = kind === "note" || kind === "event" ? `#${kind}-${id}` : "";
  if (citation.jobId && citation.jobId !== currentJobId) return `/jobs/${encodeURIComponent(citation.jobId)}${anchor}`;
  if (kind === "job" && id !== currentJobId) return `/jobs/${encodeURIComponent(id)}`;
  return anchor || "#top";
}
