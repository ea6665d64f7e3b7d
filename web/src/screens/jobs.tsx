import { useEffect, useState } from "preact/hooks";
import type { Job, JobStatus } from "../../../schemas/records";
import { api, ok } from "../api";
import { useSession } from "../session";
import { ErrorNotice, formatDateTime, Loading, PageTitle, StatusBadge, StatusOptions } from "../ui";

type Load = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; jobs: Job[]; more: string | null };

/** The caller's jobs (a technician sees the jobs assigned to them), grouped today / upcoming / earlier. */
export function JobsScreen() {
  const { me } = useSession();
  const [status, setStatus] = useState<JobStatus | "">("");
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    ok(api.v1.jobs.$get({ query: { limit: "200", ...(status ? { status } : {}) } }))
      .then((page) => live && setLoad({ state: "ready", jobs: page.jobs, more: page.nextCursor }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [status, attempt, me.tenant?.id]);

  // For the web benchmark: when the first list is on screen, on the page's own clock.
  useEffect(() => {
    if (load.state === "ready" && performance.getEntriesByName("fieldpilot:jobs-visible").length === 0)
      performance.mark("fieldpilot:jobs-visible");
  }, [load.state]);

  return (
    <section aria-labelledby="page-title">
      <PageTitle>{me.role === "technician" ? "My jobs" : "Jobs"}</PageTitle>
      <div class="toolbar">
        <label>
          Status{" "}
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as JobStatus | "")}>
            <option value="">All</option>
            <StatusOptions />
          </select>
        </label>
      </div>
      {load.state === "loading" && <Loading what="jobs" />}
      {load.state === "error" && <ErrorNotice error={load.error} onRetry={() => setAttempt((n) => n + 1)} />}
      {load.state === "ready" && <JobGroups jobs={load.jobs} truncated={load.more !== null} />}
    </section>
  );
}

function JobGroups(props: { jobs: Job[]; truncated: boolean }) {
  if (props.jobs.length === 0) return <p class="empty">No jobs here.</p>;
  const startOfToday = new Date();
  startOfToday.setHours(0, 0, 0, 0);
  const startOfTomorrow = new Date(startOfToday.getTime() + 24 * 60 * 60 * 1000);
  const when = (job: Job) => (job.scheduledStart ? new Date(job.scheduledStart).getTime() : Number.NaN);
  const today = props.jobs.filter((j) => when(j) >= startOfToday.getTime() && when(j) < startOfTomorrow.getTime());
  const upcoming = props.jobs.filter((j) => when(j) >= startOfTomorrow.getTime()).sort((a, b) => when(a) - when(b));
  const earlier = props.jobs.filter((j) => !(when(j) >= startOfToday.getTime())).sort((a, b) => (when(b) || 0) - (when(a) || 0));
  return (
    <>
      <JobGroup title="Today" jobs={today} />
      <JobGroup title="Upcoming" jobs={upcoming} />
      <JobGroup title="Earlier" jobs={earlier} />
      {props.truncated && <p class="hint">Showing the first 200 jobs; narrow the list with the status filter.</p>}
    </>
  );
}

function JobGroup(props: { title: string; jobs: Job[] }) {
  if (props.jobs.length === 0) return null;
  return (
    <section class="job-group" aria-label={props.title}>
      <h2>
        {props.title} <span class="count">({props.jobs.length})</span>
      </h2>
      <ul class="job-list">
        {props.jobs.map((job) => (
          <li key={job.id}>
            <a class="job-card" href={`/jobs/${encodeURIComponent(job.id)}`}>
              <span class="job-title">{job.title}</span>
              <span class="job-meta">
                <StatusBadge status={job.status} />
                {job.priority === "urgent" || job.priority === "high" ? (
                  <span class={`badge badge-${job.priority}`}>{job.priority}</span>
                ) : null}
                <span>{formatDateTime(job.scheduledStart)}</span>
                <span class="job-id">{job.id}</span>
              </span>
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
