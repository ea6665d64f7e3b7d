import { useEffect, useState } from "preact/hooks";
import type { IndexCoverage, MetricsReport, Task } from "../../../schemas/admin";
import type { ProviderKeyView } from "../../../schemas/provider-keys";
import type { DataMode, SettingsView } from "../../../schemas/settings";
import { api, ApiError, ok, tagged, tenantHeaders } from "../api";
import { ErrorNotice, formatDateTime, Loading } from "../ui";

/** Settings: what GET returns is edited and PUT back, with the ETag it was read with. */
export function Settings(props: { canChange: boolean }) {
  const [view, setView] = useState<{ settings: SettingsView; etag: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    tagged(api.v1.admin.settings.$get({ header: {} }))
      .then(({ body, etag }) => setView({ settings: body, etag }))
      .catch(setError);
  }, [version]);
  if (error !== null && view === null) return <ErrorNotice error={error} onRetry={() => setVersion((n) => n + 1)} />;
  if (!view) return <Loading what="settings" />;
  const s = view.settings;
  const save = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const retention = String(form.get("chatRetentionDays") ?? "").trim();
    setSaved(false);
    setError(null);
    try {
      const { body, etag } = await tagged(
        api.v1.admin.settings.$put({
          header: view.etag ? { "if-match": view.etag } : {},
          json: {
            dataMode: String(form.get("dataMode")) as DataMode,
            rateLimits: { tenantPerMinute: Number(form.get("tenantPerMinute")), userPerMinute: Number(form.get("userPerMinute")) },
            chatRetentionDays: retention === "" ? null : Number(retention),
          },
        }),
      );
      setView({ settings: body, etag });
      setSaved(true);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.status === 412) setVersion((n) => n + 1);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {error !== null && <ErrorNotice error={error} />}
      <fieldset disabled={!props.canChange} class="fields">
        <label>
          Copilot data kept
          <select name="dataMode" value={s.dataMode}>
            <option value="full">full conversations</option>
            <option value="metadata-only">metadata only</option>
          </select>
        </label>
        <label>
          Requests per minute, whole tenant (at most {s.platform.maxTenantPerMinute.toLocaleString()})
          <input name="tenantPerMinute" type="number" min={1} max={s.platform.maxTenantPerMinute} value={s.rateLimits.tenantPerMinute} />
        </label>
        <label>
          Requests per minute, per user (at most {s.platform.maxUserPerMinute.toLocaleString()})
          <input name="userPerMinute" type="number" min={1} max={s.platform.maxUserPerMinute} value={s.rateLimits.userPerMinute} />
        </label>
        <label>
          Keep copilot conversations, days (empty: no limit)
          <input name="chatRetentionDays" type="number" min={1} max={3650} value={s.chatRetentionDays ?? ""} />
        </label>
      </fieldset>
      {props.canChange && <button type="submit">Save settings</button>}
      {saved && (
        <p role="status" class="hint">
          Settings saved.
        </p>
      )}
    </form>
  );
}

/** The tenant's own LLM provider key: shown masked, set or replaced, deleted. Never shown in clear. */
export function ProviderKey() {
  const [key, setKey] = useState<ProviderKeyView | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [value, setValue] = useState("");
  const [version, setVersion] = useState(0);
  const slot = api.v1.admin["provider-keys"][":provider"];
  useEffect(() => {
    ok(slot.$get({ param: { provider: "openai" }, header: {} }))
      .then(setKey)
      .catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? setKey(null) : setError(e)));
  }, [version]);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      setValue("");
      setVersion((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="key-title">
      <h2 id="key-title">OpenAI key</h2>
      {error !== null && <ErrorNotice error={error} />}
      {key === undefined && error === null && <Loading what="the key" />}
      {key === null && <p>No key of this tenant: the deployment's own key is used (if it has one).</p>}
      {key && (
        <p>
          Stored: <code>{key.mask}</code> ({key.fingerprint}), since {formatDateTime(key.updatedAt)}.{" "}
          <button
            type="button"
            class="secondary danger"
            onClick={() => void act(() => ok(slot.$delete({ param: { provider: "openai" }, header: {} })))}
          >
            Delete
          </button>
        </p>
      )}
      <form
        class="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) void act(() => ok(slot.$put({ param: { provider: "openai" }, header: {}, json: { key: value.trim() } })));
        }}
      >
        <label class="visually-hidden" for="provider-key">
          New key
        </label>
        <input
          id="provider-key"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          placeholder="sk-…"
        />
        <button type="submit">{key ? "Replace" : "Store"}</button>
      </form>
    </section>
  );
}

/** Requests, errors, 429s and latency per route, as bars (SVG: no inline styles under the CSP). */
export function Activity() {
  const [span, setSpan] = useState<"hour" | "day">("hour");
  const [report, setReport] = useState<MetricsReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    setReport(null);
    ok(api.v1.admin.metrics.$get({ query: { window: span } }))
      .then(setReport)
      .catch(setError);
  }, [span]);
  const routes = report ? [...report.routes].sort((a, b) => b.count - a.count).slice(0, 12) : [];
  const most = Math.max(1, ...routes.map((r) => r.count));
  const slowest = Math.max(1, ...routes.map((r) => r.p95Ms ?? 0));
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <label>
        Window{" "}
        <select value={span} onChange={(e) => setSpan((e.currentTarget as HTMLSelectElement).value as "hour" | "day")}>
          <option value="hour">last hour</option>
          <option value="day">last day</option>
        </select>
      </label>
      {error !== null && <ErrorNotice error={error} />}
      {!report && error === null && <Loading what="activity" />}
      {report && routes.length === 0 && <p class="empty">No requests in this window.</p>}
      {report && routes.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Requests per route">
          <table class="audit metrics">
            <thead>
              <tr>
                <th scope="col">Route</th>
                <th scope="col">Requests</th>
                <th scope="col">429s</th>
                <th scope="col">Errors</th>
                <th scope="col">p50 / p95 ms</th>
              </tr>
            </thead>
            <tbody>
              {routes.map((r) => (
                <tr key={r.route}>
                  <td>{r.route}</td>
                  <td>
                    <svg width="120" height="12" role="img" aria-label={`${r.count} requests`}>
                      <rect width={Math.max(2, (120 * r.count) / most)} height="12" class="bar" />
                    </svg>{" "}
                    {r.count}
                  </td>
                  <td>{r.rateLimited}</td>
                  <td>{r.errors}</td>
                  <td>
                    <svg width="120" height="12" role="img" aria-label={`p95 ${r.p95Ms ?? "none"} ms`}>
                      <rect width={Math.max(2, (120 * (r.p95Ms ?? 0)) / slowest)} height="12" class="bar bar-p95" />
                      <rect width={Math.max(2, (120 * (r.p50Ms ?? 0)) / slowest)} height="12" class="bar" />
                    </svg>{" "}
                    {r.p50Ms ?? "–"} / {r.p95Ms ?? "–"}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {report && (
        <p class="hint">
          Background tasks: {report.tasks.queued} queued, {report.tasks.running} running, {report.tasks.failed} failed.
        </p>
      )}
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

/** Import an export file into this (empty) tenant, with upload progress (XMLHttpRequest: fetch reports none). */
export function Import() {
  const [progress, setProgress] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const upload = (file: File) => {
    setError(null);
    setProgress("Starting…");
    const xhr = new XMLHttpRequest();
    xhr.open("POST", api.v1.admin.import.$url().pathname);
    xhr.setRequestHeader("content-type", "application/x-ndjson");
    for (const [name, value] of Object.entries(tenantHeaders())) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (e) =>
      setProgress(`${Math.round((100 * e.loaded) / Math.max(1, e.total))}% sent (${(e.loaded / 1_000_000).toFixed(1)} MB)…`);
    xhr.upload.onload = () => setProgress("Sent; the tenant is checking and applying it…");
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        setProgress("Imported.");
        return;
      }
      setProgress(null);
      let body: { detail?: string; code?: string; requestId?: string } = {};
      try {
        body = JSON.parse(xhr.responseText) as typeof body;
      } catch {
        // not a problem body
      }
      setError(new ApiError(xhr.status, body.code ?? "http_error", body.detail ?? `HTTP ${xhr.status}`, body.requestId ?? null));
    };
    xhr.onerror = () => {
      setProgress(null);
      setError(new ApiError(0, "offline", "No connection to FieldPilot. Check the network and try again.", null));
    };
    xhr.send(file);
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
