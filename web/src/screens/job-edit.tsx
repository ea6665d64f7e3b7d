import { useEffect, useState } from "preact/hooks";
import type { Job, JobPriority, JobStatus } from "../../../schemas/records";
import { api, ApiError, tagged } from "../api";
import { ErrorNotice, PriorityOptions, StatusOptions } from "../ui";

/** `2026-11-16T15:30:00.000Z` → the `datetime-local` value in the browser's time zone, and back. */
const toLocalInput = (iso: string | null): string => {
  if (!iso) return "";
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
};
const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);

type State =
  | { state: "loading" }
  | { state: "ready"; job: Job; etag: string | null }
  | { state: "stale" }
  | { state: "error"; error: unknown; job?: Job; etag?: string | null };

/**
 * A dispatcher's edit of a job: status, priority, schedule and assignees, sent with the `ETag` it
 * read as `If-Match`. When someone else changed the job in between (412), nothing is written and
 * the form says so, with the way to see the current job.
 */
export function JobEditor(props: { id: string; onSaved: () => void }) {
  const [load, setLoad] = useState<State>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const [status, setStatus] = useState<JobStatus>("scheduled");
  const [priority, setPriority] = useState<JobPriority>("normal");
  const [start, setStart] = useState("");
  const [assignees, setAssignees] = useState("");
  const [saving, setSaving] = useState(false);
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    let live = true;
    setLoad({ state: "loading" });
    tagged(api.v1.jobs[":id"].$get({ param: { id: props.id }, header: {} }))
      .then(({ body, etag }) => {
        if (!live) return;
        setLoad({ state: "ready", job: body, etag });
        setStatus(body.status);
        setPriority(body.priority);
        setStart(toLocalInput(body.scheduledStart));
        setAssignees(body.assignees.join(", "));
      })
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [props.id, attempt]);

  if (load.state === "loading") return <p role="status">Loading the job's current state…</p>;
  if (load.state === "stale")
    return (
      <div class="notice notice-error" role="alert">
        <p>
          <strong>Someone else changed this job</strong> after you opened it, so your change was not saved.
        </p>
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Show the current job
        </button>
      </div>
    );
  if (load.state === "error" && !load.job) return <ErrorNotice error={load.error} onRetry={() => setAttempt((n) => n + 1)} />;
  const job = load.job;
  const etag = load.etag ?? null;
  if (!job) return null;

  const save = async (event: Event) => {
    event.preventDefault();
    setSaving(true);
    setSaved(false);
    const wanted = assignees
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    const patch = {
      ...(status !== job.status ? { status } : {}),
      ...(priority !== job.priority ? { priority } : {}),
      ...(fromLocalInput(start) !== job.scheduledStart ? { scheduledStart: fromLocalInput(start) } : {}),
      ...(wanted.join() !== job.assignees.join() ? { assignees: wanted } : {}),
    };
    if (Object.keys(patch).length === 0) {
      setSaving(false);
      return;
    }
    try {
      const res = await tagged(api.v1.jobs[":id"].$patch({ param: { id: job.id }, header: etag ? { "if-match": etag } : {}, json: patch }));
      setLoad({ state: "ready", job: res.body, etag: res.etag });
      setSaved(true);
      props.onSaved();
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) setLoad({ state: "stale" });
      else setLoad({ state: "error", error, job, etag });
    } finally {
      setSaving(false);
    }
  };

  return (
    <form class="job-editor" onSubmit={(e) => void save(e)} aria-labelledby="edit-title">
      <h2 id="edit-title">Change this job</h2>
      {load.state === "error" && <ErrorNotice error={load.error} />}
      <div class="fields">
        <label>
          Status
          <select value={status} onChange={(e) => setStatus((e.currentTarget as HTMLSelectElement).value as JobStatus)}>
            <StatusOptions />
          </select>
        </label>
        <label>
          Priority
          <select value={priority} onChange={(e) => setPriority((e.currentTarget as HTMLSelectElement).value as JobPriority)}>
            <PriorityOptions />
          </select>
        </label>
        <label>
          Scheduled
          <input type="datetime-local" value={start} onInput={(e) => setStart((e.currentTarget as HTMLInputElement).value)} />
        </label>
        <label>
          Assignees (user ids, comma-separated)
          <input value={assignees} onInput={(e) => setAssignees((e.currentTarget as HTMLInputElement).value)} autoComplete="off" />
        </label>
      </div>
      <button type="submit" disabled={saving}>
        {saving ? "Saving…" : "Save"}
      </button>
      {saved && (
        <p role="status" class="hint">
          Saved.
        </p>
      )}
    </form>
  );
}
