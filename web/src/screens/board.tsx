import { useEffect, useMemo, useState } from "preact/hooks";
import type { Job, JobPriority, JobStatus } from "../../../schemas/records";
import type { SearchHit } from "../../../schemas/search";
import { api, ok } from "../api";
import { chunkRefOf, citationHref } from "../citations";
import { ErrorNotice, formatDateTime, Loading, PageTitle, PriorityOptions, StatusBadge, StatusOptions } from "../ui";
import { useRealtime } from "../realtime-context";

type Load = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; jobs: Job[]; truncated: boolean };

/** Start of a `date` input's day in the browser's time zone, as an instant (`to`: the end of that day). */
const dayBound = (value: string, end: boolean): string | undefined =>
  value ? new Date(`${value}T${end ? "23:59:59.999" : "00:00:00"}`).toISOString() : undefined;

/**
 * The dispatcher's board: every job, filtered by status, priority, technician and date; a search
 * over everything the dispatcher may read, with snippets; who is online; and live updates when
 * any job changes.
 */
export function BoardScreen() {
  const realtime = useRealtime();
  const [status, setStatus] = useState<JobStatus | "">("");
  const [priority, setPriority] = useState<JobPriority | "">("");
  const [technician, setTechnician] = useState("");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [version, setVersion] = useState(0);
  const [online, setOnline] = useState<string[]>([]);

  useEffect(() => {
    realtime.open();
    return realtime.onFrame((frame) => {
      if (frame.type === "job.updated") setVersion((n) => n + 1);
      if (frame.type === "presence") setOnline(frame.online);
    });
  }, [realtime]);

  useEffect(() => {
    let live = true;
    const scheduledFrom = dayBound(from, false);
    const scheduledTo = dayBound(to, true);
    ok(
      api.v1.jobs.$get({
        query: {
          limit: "200",
          ...(status ? { status } : {}),
          ...(priority ? { priority } : {}),
          ...(technician ? { assignee: technician } : {}),
          ...(scheduledFrom ? { scheduledFrom } : {}),
          ...(scheduledTo ? { scheduledTo } : {}),
        },
      }),
    )
      .then((page) => live && setLoad({ state: "ready", jobs: page.jobs, truncated: page.nextCursor !== null }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [status, priority, technician, from, to, version]);

  const technicians = useMemo(() => {
    const all = new Set<string>(online);
    if (load.state === "ready") for (const j of load.jobs) for (const a of j.assignees) all.add(a);
    if (technician) all.add(technician);
    return [...all].sort();
  }, [load, online, technician]);

  return (
    <section aria-labelledby="page-title">
      <PageTitle>Job board</PageTitle>
      <p class="hint" aria-live="polite">
        Online now: {online.length === 0 ? "nobody else" : online.join(", ")}
      </p>
      <BoardSearch />
      <div class="toolbar">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as JobStatus | "")}>
            <option value="">All</option>
            <StatusOptions />
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority((e.currentTarget as HTMLSelectElement).value as JobPriority | "")}>
            <option value="">All</option>
            <PriorityOptions />
          </select>
        </label>
        <label>
          Technician
          <select value={technician} onChange={(e) => setTechnician((e.currentTarget as HTMLSelectElement).value)}>
            <option value="">Anyone</option>
            {technicians.map((t) => (
              <option key={t} value={t}>
                {t}
              </option>
            ))}
          </select>
        </label>
        <label>
          From
          <input type="date" value={from} onInput={(e) => setFrom((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          To
          <input type="date" value={to} onInput={(e) => setTo((e.currentTarget as HTMLInputElement).value)} />
        </label>
      </div>
      {load.state === "loading" && <Loading what="jobs" />}
      {load.state === "error" && <ErrorNotice error={load.error} onRetry={() => setVersion((n) => n + 1)} />}
      {load.state === "ready" && (
        <>
          <p class="hint" role="status">
            {load.jobs.length} job{load.jobs.length === 1 ? "" : "s"}
            {load.truncated ? " (the first 200: narrow the filters)" : ""}
          </p>
          <ul class="job-list board">
            {load.jobs.map((job) => (
              <li key={job.id}>
                <a class="job-card" href={`/jobs/${encodeURIComponent(job.id)}`}>
                  <span class="job-title">{job.title}</span>
                  <span class="job-meta">
                    <StatusBadge status={job.status} />
                    <span class={`badge badge-${job.priority}`}>{job.priority}</span>
                    <span>{formatDateTime(job.scheduledStart)}</span>
                    <span>{job.assignees.length > 0 ? job.assignees.join(", ") : "unassigned"}</span>
                    <span class="job-id">{job.id}</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}

type Search =
  { state: "idle" } | { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; q: string; hits: SearchHit[] };

/** Full-text search over what the caller may read (`GET /v1/search`), hits with their snippets. */
function BoardSearch() {
  const [q, setQ] = useState("");
  const [search, setSearch] = useState<Search>({ state: "idle" });
  const run = async (event: Event) => {
    event.preventDefault();
    const query = q.trim();
    if (!query) return;
    setSearch({ state: "loading" });
    try {
      setSearch({ state: "ready", q: query, hits: await ok(api.v1.search.$get({ query: { q: query, limit: "20" } })) });
    } catch (error) {
      setSearch({ state: "error", error });
    }
  };
  return (
    <div class="board-search">
      <form role="search" onSubmit={(e) => void run(e)}>
        <label for="board-q">Search jobs, notes, clients and sites</label>
        <div class="search-row">
          <input id="board-q" type="search" value={q} onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value)} />
          <button type="submit">Search</button>
        </div>
      </form>
      {search.state === "loading" && <p role="status">Searching…</p>}
      {search.state === "error" && <ErrorNotice error={search.error} />}
      {search.state === "ready" && (
        <div role="region" aria-label="Search results">
          {search.hits.length === 0 ? (
            <p class="empty">Nothing matches “{search.q}”.</p>
          ) : (
            <ol class="hits">
              {search.hits.map((hit) => (
                <li key={hit.ref}>
                  {hit.jobId || chunkRefOf(hit.ref) ? (
                    // A record on its job's page, a document's passage in the document view: where a citation of it leads.
                    <a href={citationHref(hit, undefined)}>{hit.ref}</a>
                  ) : (
                    <span>{hit.ref}</span>
                  )}
                  <p class="snippet">{hit.snippet}</p>
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </div>
  );
}
