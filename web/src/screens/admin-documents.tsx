import { useEffect, useRef, useState } from "preact/hooks";
import type { DocumentFormat, LibraryDocument } from "../../../schemas/library";
import { api, ok, sendFile } from "../api";
import { documentHref } from "../citations";
import { ErrorNotice, formatDateTime, Loading } from "../ui";

type ListLoad = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; documents: LibraryDocument[] };

/** The raw-body types the API reads (Markdown, plain text, PDF with a text layer), by file name. */
const FILE_TYPES: Record<string, string> = {
  md: "text/markdown",
  markdown: "text/markdown",
  txt: "text/plain",
  pdf: "application/pdf",
};

/** A file's content type: from its extension (browsers often give .md none), else what the browser says; the API refuses others (415). */
function contentTypeOf(file: File): string {
  const extension = /\.([a-z0-9]+)$/i.exec(file.name)?.[1]?.toLowerCase() ?? "";
  return FILE_TYPES[extension] ?? (file.type || "application/octet-stream");
}

/**
 * "indexing n/m" (passages in the index of all) while a big upload's passages are still being added to the search index
 * in steps (`status: "indexing"`, `indexedChunks`, from the uploads contract); null once searchable.
 * Read as optional fields: answers without them (a version indexed at once) are simply ready.
 */
function indexingOf(doc: LibraryDocument): string | null {
  return doc.status === "indexing" ? `indexing ${doc.indexedChunks}/${doc.chunkCount}` : null;
}

/** How often the list is read again while a document is indexing. */
const INDEXING_POLL_MS = 2_000;

const titleFromFileName = (name: string) => name.replace(/\.[a-z0-9]+$/i, "").trim();

/**
 * The tenant's own documents (manuals, procedures) that the copilot cites as `doc:<docId>#<chunk>`:
 * the list (current versions), and for admins an upload (a file sent as is, or pasted text), a new
 * version of a document, and deletion. Auditors see the list only.
 */
export function Documents(props: { canChange: boolean }) {
  const [load, setLoad] = useState<ListLoad>({ state: "loading" });
  const [version, setVersion] = useState(0);
  const [problem, setProblem] = useState<unknown>(null);
  // The document a new version is for; null: a new document.
  const [target, setTarget] = useState<LibraryDocument | null>(null);
  const [done, setDone] = useState<string | null>(null);
  // A fresh, empty form after each upload (the list's own reloads leave what is being typed alone).
  const [uploads, setUploads] = useState(0);

  useEffect(() => {
    let live = true;
    ok(api.v1.documents.$get({ header: {} }))
      .then(({ documents }) => live && setLoad({ state: "ready", documents }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [version]);
  // While a document is indexing, its progress is read again until it is searchable.
  const indexing = load.state === "ready" && load.documents.some((d) => indexingOf(d) !== null);
  useEffect(() => {
    if (!indexing) return;
    const timer = setTimeout(() => setVersion((n) => n + 1), INDEXING_POLL_MS);
    return () => clearTimeout(timer);
  }, [indexing, load]);

  const remove = (doc: LibraryDocument) => {
    if (!confirm(`Delete “${doc.title}” with every version? The copilot's citations of it will no longer open.`)) return;
    setProblem(null);
    setDone(null);
    ok(api.v1.admin.documents[":docId"].$delete({ param: { docId: doc.id }, header: {} }))
      .then(() => {
        if (target?.id === doc.id) setTarget(null);
        setDone(`Deleted “${doc.title}”.`);
        setVersion((n) => n + 1);
      })
      .catch(setProblem);
  };

  return (
    <section aria-labelledby="documents-title">
      <h2 id="documents-title">Documents</h2>
      <p class="hint">Your manuals and procedures: the copilot quotes them and its answers link to the passage.</p>
      {problem !== null && <ErrorNotice error={problem} />}
      {done && (
        <p role="status" class="hint">
          {done}
        </p>
      )}
      {load.state === "loading" && <Loading what="documents" />}
      {load.state === "error" && <ErrorNotice error={load.error} onRetry={() => setVersion((n) => n + 1)} />}
      {load.state === "ready" && load.documents.length === 0 && <p class="empty">No documents yet.</p>}
      {load.state === "ready" && load.documents.length > 0 && (
        <ul class="documents" aria-label="Documents">
          {load.documents.map((doc) => (
            <li key={doc.id}>
              <span class="what">
                <a href={documentHref("documents", doc.id)}>{doc.title}</a>
                <span class="meta">
                  {" "}
                  version {doc.version} · {doc.chunkCount} {doc.chunkCount === 1 ? "passage" : "passages"} · updated{" "}
                  {formatDateTime(doc.updatedAt)}
                  {indexingOf(doc) && <span class="indexing"> · {indexingOf(doc)}</span>}
                </span>
              </span>
              {props.canChange && (
                <span class="document-actions">
                  <button type="button" class="secondary" onClick={() => setTarget(doc)} aria-label={`New version of ${doc.title}`}>
                    New version
                  </button>
                  <button type="button" class="secondary danger" onClick={() => remove(doc)} aria-label={`Delete ${doc.title}`}>
                    Delete
                  </button>
                </span>
              )}
            </li>
          ))}
        </ul>
      )}
      {props.canChange && (
        <UploadForm
          key={`${target?.id ?? ""}:${uploads}`}
          target={target}
          onCancel={() => setTarget(null)}
          onUploaded={(title) => {
            setDone(target ? `Uploaded a new version of “${title}”.` : `Uploaded “${title}”.`);
            setTarget(null);
            setUploads((n) => n + 1);
            setVersion((n) => n + 1);
          }}
        />
      )}
    </section>
  );
}

/** A new document, or a new version of `target`: a file sent as its own body, or pasted text sent as JSON. */
function UploadForm(props: { target: LibraryDocument | null; onCancel: () => void; onUploaded: (title: string) => void }) {
  const { target } = props;
  const [title, setTitle] = useState(target?.title ?? "");
  const [text, setText] = useState("");
  const [format, setFormat] = useState<DocumentFormat>("markdown");
  const [file, setFile] = useState<File | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (target) heading.current?.focus();
  }, [target]);

  /**
   * Sends the upload; resolves with the title it was given. A file goes as its own body with
   * `?title=`, pasted text as JSON: the upload routes read either (their body is not one JSON
   * schema the typed client could check), so both go through `sendFile`, with its progress.
   */
  const upload = async (): Promise<string> => {
    // The client's `$url()` needs an absolute base, which this app's client (base "/") has not.
    const path = target ? `/v1/admin/documents/${encodeURIComponent(target.id)}` : "/v1/admin/documents";
    const onProgress = (sent: number, total: number) => setProgress(`${Math.round((100 * sent) / Math.max(1, total))}% sent…`);
    const method = target ? "PUT" : "POST";
    if (file) {
      const name = title.trim() || titleFromFileName(file.name);
      await sendFile(method, `${path}?${new URLSearchParams({ title: name }).toString()}`, file, contentTypeOf(file), onProgress);
      return name;
    }
    const body = { title: title.trim(), format, text };
    await sendFile(method, path, new Blob([JSON.stringify(body)]), "application/json", onProgress);
    return body.title;
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (progress !== null) return;
    setError(null);
    setProgress("Uploading…");
    upload()
      .then((uploaded) => {
        setProgress(null);
        props.onUploaded(uploaded);
      })
      .catch((e: unknown) => {
        setProgress(null);
        setError(e);
      });
  };

  // Something to send; what is wrong with it (an empty title, blank text) the API says, field by field.
  const ready = file !== null || text !== "";
  return (
    <form class="document-upload" onSubmit={submit} aria-labelledby="document-upload-title">
      <h3 id="document-upload-title" ref={heading} tabIndex={-1}>
        {target ? `New version of ${target.title}` : "Add a document"}
      </h3>
      <div class="fields">
        <label>
          Title{file ? " (empty: the file's name)" : ""}
          <input value={title} maxLength={200} onInput={(e) => setTitle((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          File (.md, .txt or .pdf)
          <input
            type="file"
            accept=".md,.markdown,.txt,.pdf,text/markdown,text/plain,application/pdf"
            onChange={(e) => setFile((e.currentTarget as HTMLInputElement).files?.[0] ?? null)}
          />
        </label>
      </div>
      {file === null && (
        <div class="fields paste">
          <label>
            Or paste the text
            <textarea rows={6} value={text} onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)} />
          </label>
          <label>
            Format
            <select value={format} onChange={(e) => setFormat((e.currentTarget as HTMLSelectElement).value as DocumentFormat)}>
              <option value="markdown">Markdown</option>
              <option value="text">Plain text</option>
            </select>
          </label>
        </div>
      )}
      <div class="actions">
        <button type="submit" disabled={!ready || progress !== null}>
          {target ? `Upload version ${target.version + 1}` : "Upload"}
        </button>
        {target && (
          <button type="button" class="secondary" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </div>
      {progress && (
        <p role="status" class="hint">
          {progress}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </form>
  );
}
