import { useEffect, useState } from "preact/hooks";
import type { IndexCoverage, Task } from "../../../schemas/admin";
import { api, ok, sendFile } from "../api";
import { ErrorNotice } from "../ui";

/** Downloads the tenant's export (gzip NDJSON), showing how much has arrived. */
export function Export() {
  const [progress, setProgress] = useState<string | null>(null);
  const [problem, setProblem] = useState<unknown>(null);
  const download = async () => {
    setProblem(null);
    setProgress("Starting…");
    try {
      const res = await api.v1.admin.export.$get({ query: {} });
      // A refusal arrives as a problem: `ok` turns it into the error the page shows.
      if (!res.ok) await ok(Promise.resolve(res));
      const reader = res.body?.getReader();
      if (!reader) throw new Error("no body");
      const parts: Uint8Array[] = [];
      let bytes = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parts.push(value);
        bytes += value.length;
        setProgress(`${(bytes / 1_000_000).toFixed(1)} MB received…`);
      }
      const name = /filename="([^"]+)"/.exec(res.headers.get("content-disposition") ?? "")?.[1] ?? "export.ndjson";
      const url = URL.createObjectURL(new Blob(parts as BlobPart[], { type: "application/x-ndjson" }));
      const link = document.createElement("a");
      link.href = url;
      link.download = name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setProgress(`Downloaded ${name} (${(bytes / 1_000_000).toFixed(1)} MB).`);
    } catch (error) {
      setProgress(null);
      setProblem(error);
    }
  };
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">Export</h2>
      <p>Everything this tenant owns, as one NDJSON file with a digest (importable into an empty tenant).</p>
      <button type="button" onClick={() => void download()}>
        Download the export
      </button>
      {progress && (
        <p role="status" class="hint">
          {progress}
        </p>
      )}
      {problem !== null && <ErrorNotice error={problem} />}
    </section>
  );
}

/** How much of the tenant the full-text index covers, and a reindex whose progress is followed. */
export function IndexAndTasks(props: { canChange: boolean }) {
  const [coverage, setCoverage] = useState<IndexCoverage | null>(null);
  const [task, setTask] = useState<Task | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    ok(api.v1.admin.index.coverage.$get({ header: {} }))
      .then(setCoverage)
      .catch(setError);
  }, [version]);
  useEffect(() => {
    if (!task || task.status === "done" || task.status === "failed") return;
    const timer = setTimeout(() => {
      ok(api.v1.admin.tasks[":id"].$get({ param: { id: task.id } }))
        .then((t) => {
          setTask(t);
          if (t.status === "done") setVersion((n) => n + 1);
        })
        .catch(setError);
    }, 1_000);
    return () => clearTimeout(timer);
  }, [task]);
  return (
    <section aria-labelledby="index-title">
      <h2 id="index-title">Search index</h2>
      {error !== null && <ErrorNotice error={error} />}
      {coverage && (
        <p>
          {coverage.indexed.toLocaleString()} of {coverage.records.toLocaleString()} records indexed (
          {Math.round(coverage.coverage * 1000) / 10}%).
        </p>
      )}
      {props.canChange && (
        <button
          type="button"
          disabled={task !== null && task.status !== "done" && task.status !== "failed"}
          onClick={() =>
            void ok(api.v1.admin.reindex.$post({ header: {} }))
              .then(setTask)
              .catch(setError)
          }
        >
          Rebuild the index
        </button>
      )}
      {task && (
        <p role="status" class="hint">
          Rebuild {task.status}: {task.progress.done.toLocaleString()}
          {task.progress.total !== null ? ` of ${task.progress.total.toLocaleString()}` : ""} records
          {task.error ? ` (${task.error})` : ""}
        </p>
      )}
    </section>
  );
}

/** Import an export file into this (empty) tenant, with upload progress. */
export function Import() {
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const upload = (file: File) => {
    setError(null);
    setProgress("Starting…");
    sendFile("POST", api.v1.admin.import.$url().pathname, file, "application/x-ndjson", (sent, total) =>
      setProgress(
        sent < total
          ? `${Math.round((100 * sent) / Math.max(1, total))}% sent (${(sent / 1_000_000).toFixed(1)} MB)…`
          : "Sent; the tenant is checking and applying it…",
      ),
    )
      .then(() => setProgress("Imported."))
      .catch((e: unknown) => {
        setProgress(null);
        setError(e);
      });
  };
  return (
    <section aria-labelledby="import-title">
      <h2 id="import-title">Import</h2>
      <p>Load an export file into this tenant. It must hold no records yet; the import is all or nothing.</p>
      <label>
        Export file (.ndjson){" "}
        <input
          type="file"
          accept=".ndjson,application/x-ndjson"
          onChange={(e) => {
            const f = (e.currentTarget as HTMLInputElement).files?.[0];
            if (f) upload(f);
          }}
        />
      </label>
      {progress && (
        <p role="status" class="hint">
          {progress}
        </p>
      )}
      {error !== null && <ErrorNotice error={error} />}
    </section>
  );
}
