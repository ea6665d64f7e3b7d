import { useEffect, useState } from "preact/hooks";
import type { MetricsReport } from "../../../schemas/admin";
import type { AuditEntry, AuditVerification } from "../../../schemas/audit";
import { api, ApiError, ok } from "../api";
import { ErrorNotice, formatDateTime, Loading } from "../ui";
import { ActivityOverTime, MetricHeadings } from "./activity-chart";

type AuditLoad = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; entries: AuditEntry[] };

export function Audit() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [applied, setApplied] = useState<{ actor: string; action: string }>({ actor: "", action: "" });
  const [load, setLoad] = useState<AuditLoad>({ state: "loading" });
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifyError, setVerifyError] = useState<unknown>(null);

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    // The newest page: entries come oldest first, so read up to 500 and show the newest first.
    ok(
      api.v1.admin.audit.$get({
        query: { limit: "500", ...(applied.actor ? { actor: applied.actor } : {}), ...(applied.action ? { action: applied.action } : {}) },
      }),
    )
      .then((page) => live && setLoad({ state: "ready", entries: [...page.entries].reverse().slice(0, 100) }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [applied]);

  useEffect(() => {
    ok(api.v1.admin.audit.verify.$get({ query: {} }))
      .then(setVerification)
      .catch(setVerifyError);
  }, []);

  return (
    <section aria-labelledby="audit-title">
      <h2 id="audit-title">Audit log</h2>
      <p class="verify" role="status">
        {verifyError !== null
          ? verifyError instanceof ApiError
            ? `The chain could not be checked: ${verifyError.display}`
            : "The chain could not be checked."
          : verification === null
            ? "Checking the hash chain…"
            : verification.valid && verification.anchor?.matches !== false
              ? `Hash chain verified: ${verification.entries} entries${verification.complete ? "" : " (first part)"}.`
              : `Hash chain broken${verification.firstInvalidSeq ? ` at entry ${verification.firstInvalidSeq}` : ""}: ${verification.problem ?? "the anchored head is missing"}.`}
      </p>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied({ actor: actor.trim(), action: action.trim() });
        }}
      >
        <label>
          Actor
          <input value={actor} onInput={(e) => setActor((e.currentTarget as HTMLInputElement).value)} placeholder="ana.tech" />
        </label>
        <label>
          Action
          <input value={action} onInput={(e) => setAction((e.currentTarget as HTMLInputElement).value)} placeholder="context.read" />
        </label>
        <button type="submit">Filter</button>
      </form>
      {load.state === "loading" && <Loading what="the audit log" />}
      {load.state === "error" && <ErrorNotice error={load.error} />}
      {load.state === "ready" && load.entries.length === 0 && <p class="empty">No entries match.</p>}
      {load.state === "ready" && load.entries.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Audit entries">
          <table class="audit">
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">Action</th>
                <th scope="col">Target</th>
                <th scope="col">Outcome</th>
              </tr>
            </thead>
            <tbody>
              {load.entries.map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>{formatDateTime(e.at)}</td>
                  <td>{e.actor.split("|").pop()}</td>
                  <td>{e.action}</td>
                  <td>{e.target ?? ""}</td>
                  <td>{e.outcome}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

/**
 * Requests, 429s, errors and p50/p95 latency: over time as a chart (every route, or the one
 * chosen in the selector or the table), then per route as a table.
 */
export function Activity() {
  const [span, setSpan] = useState<"hour" | "day">("hour");
  const [route, setRoute] = useState<string | null>(null);
  const [report, setReport] = useState<MetricsReport | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    // The last report stays on screen until the next arrives; an older answer never replaces a newer one.
    let live = true;
    setError(null);
    ok(api.v1.admin.metrics.$get({ query: { window: span, ...(route === null ? {} : { route }) } }))
      .then((r) => live && setReport(r))
      .catch((e: unknown) => live && setError(e));
    return () => {
      live = false;
    };
  }, [span, route]);
  const routes = report ? [...report.routes].sort((a, b) => b.count - a.count).slice(0, 12) : [];
  const choices =
    route === null || routes.some((r) => r.route === route) ? routes.map((r) => r.route) : [route, ...routes.map((r) => r.route)];
  const most = Math.max(1, ...routes.map((r) => r.count));
  const slowest = Math.max(1, ...routes.map((r) => r.p95Ms ?? 0));
  return (
    <section aria-labelledby="activity-title">
      <h2 id="activity-title">Activity</h2>
      <div class="toolbar">
        <label>
          Window
          <select value={span} onChange={(e) => setSpan((e.currentTarget as HTMLSelectElement).value as "hour" | "day")}>
            <option value="hour">last hour</option>
            <option value="day">last day</option>
          </select>
        </label>
        <label>
          Route
          <select value={route ?? ""} onChange={(e) => setRoute((e.currentTarget as HTMLSelectElement).value || null)}>
            <option value="">all routes</option>
            {choices.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
      </div>
      {error !== null && <ErrorNotice error={error} />}
      {!report && error === null && <Loading what="activity" />}
      {report && <ActivityOverTime series={report.series} window={report.window} />}
      {report && routes.length === 0 && <p class="empty">No requests in this window.</p>}
      {report && routes.length > 0 && (
        <div class="table-scroll" tabIndex={0} role="region" aria-label="Requests per route">
          <table class="audit metrics">
            <thead>
              <tr>
                <th scope="col">Route (choose one for the chart)</th>
                <MetricHeadings />
              </tr>
            </thead>
            <tbody>
              {routes.map((r) => (
                <tr key={r.route}>
                  <td>
                    <button
                      type="button"
                      class="route-pick"
                      aria-pressed={r.route === route}
                      onClick={() => setRoute(r.route === route ? null : r.route)}
                    >
                      {r.route}
                    </button>
                  </td>
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
