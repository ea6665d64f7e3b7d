import { useEffect, useState } from "preact/hooks";
import type { Chunk, LibraryDocumentDetail } from "../../../schemas/library";
import { api, ok } from "../api";
import type { DocumentSource } from "../citations";
import { ErrorNotice, formatDateTime, Loading, PageTitle } from "../ui";

type Load = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; doc: LibraryDocumentDetail };

const versionQuery = (version: number | null) => (version === null ? {} : { version: String(version) });

/** A library document's version (the current one when `version` is null). */
const readLibrary = (docId: string, version: number | null) =>
  ok(api.v1.library.documents[":docId"].$get({ param: { docId }, query: versionQuery(version) }));

/**
 * The document whose version holds the cited chunk. A library ref names its version. A tenant
 * document's ref (`doc:<docId>#<chunk>`) names none: the chunk of the current version, else of the
 * newest older version holding it (the contract's rule), read one version at a time going back.
 */
async function readCited(source: DocumentSource, docId: string, version: number | null, chunkId: string | null) {
  if (source === "library") return readLibrary(docId, version);
  const current = await ok(api.v1.documents[":docId"].$get({ param: { docId }, query: versionQuery(version), header: {} }));
  if (chunkId === null || version !== null || current.chunks.some((c) => c.id === chunkId)) return current;
  for (let older = current.version - 1; older >= 1; older--) {
    const doc = await ok(api.v1.documents[":docId"].$get({ param: { docId }, query: versionQuery(older), header: {} }));
    if (doc.chunks.some((c) => c.id === chunkId)) return doc;
  }
  return current;
}

/** A chunk's headings, outermost first, as the reader's path into the document. */
function HeadingPath(props: { chunk: Chunk }) {
  if (props.chunk.headingPath.length === 0) return null;
  return <p class="heading-path">{props.chunk.headingPath.join(" › ")}</p>;
}

/**
 * A cited document: its title, and the cited chunk (its heading path and text) first, then the
 * whole version on demand. Chunk text is uploaded text and may hold markup or `<script>`: it is
 * rendered as text nodes (Preact escapes strings; nothing here sets HTML), with its line breaks.
 */
export function DocumentScreen(props: { source: DocumentSource; docId: string; version: number | null; chunkId: string | null }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const { source, docId, version, chunkId } = props;

  useEffect(() => {
    let live = true;
    readCited(source, docId, version, chunkId)
      .then((doc) => live && setLoad({ state: "ready", doc }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [source, docId, version, chunkId, attempt]);

  const where = source === "library" ? "Shared library" : "Company documents";
  const back = (
    <p class="crumbs">
      <a
        href="/"
        onClick={(e) => {
          // Back to the answer or brief that cited it, when there is one to go back to.
          if (history.length > 1) {
            e.preventDefault();
            history.back();
          }
        }}
      >
        Back
      </a>{" "}
      / {where}
    </p>
  );
  if (load.state === "loading") return <Loading what="the document" />;
  if (load.state === "error")
    return (
      <section>
        {back}
        <PageTitle>Document {docId}</PageTitle>
        <ErrorNotice error={load.error} onRetry={() => setAttempt((n) => n + 1)} />
      </section>
    );
  const { doc } = load;
  const cited = chunkId === null ? undefined : doc.chunks.find((c) => c.id === chunkId);
  return (
    <article class="document-page">
      {back}
      <PageTitle>{doc.title}</PageTitle>
      <p class="meta">
        Version {doc.version} · updated {formatDateTime(doc.updatedAt)}
      </p>
      {cited && (
        <section class="cited" aria-labelledby="cited-title">
          <h2 id="cited-title">Cited passage</h2>
          <HeadingPath chunk={cited} />
          <p class="chunk-text">{cited.text}</p>
        </section>
      )}
      {chunkId !== null && !cited && <p class="notice">The cited passage is not in this document any more; its current text is below.</p>}
      <details class="whole-document" open={!cited}>
        <summary>
          The whole document ({doc.chunks.length} {doc.chunks.length === 1 ? "passage" : "passages"})
        </summary>
        <ol class="chunks">
          {doc.chunks.map((c) => (
            <li key={c.id} id={`chunk-${c.id}`} class={c.id === chunkId ? "highlight" : undefined}>
              <HeadingPath chunk={c} />
              <p class="chunk-text">{c.text}</p>
            </li>
          ))}
        </ol>
      </details>
    </article>
  );
}
