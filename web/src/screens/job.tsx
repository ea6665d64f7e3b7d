import { useEffect, useState } from "preact/hooks";
import type { JobContext } from "../../../schemas/jobs";
import { api, ok } from "../api";
import { ErrorNotice, formatDateTime, Loading, PageTitle, StatusBadge } from "../ui";
import { NOTE_SENT, outbox, useOutbox } from "../outbox";
import { useSession } from "../session";
import { useRealtime } from "../realtime-context";
import { CopilotPanel } from "./copilot";
import { BriefPanel } from "./job-brief";
import { JobEditor } from "./job-edit";

type Load = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; context: JobContext };

/** One job as its technician needs it on site: client, property and access notes, notes, the events timeline. */
export function JobScreen(props: { id: string }) {
  const [load, setLoad] = useState<Load>({ state: "loading" });
  const [attempt, setAttempt] = useState(0);
  const realtime = useRealtime();
  const { me } = useSession();
  const canEdit = me.role === "dispatcher" || me.role === "admin";

  // Someone changed this job (a dispatcher reassigned it, a note was added): read it again. And
  // after anything that may have hidden such a change: the socket reconnected, or this device's
  // outbox delivered a note written offline.
  useEffect(() => {
    realtime.open();
    const reload = () => setAttempt((n) => n + 1);
    const offFrame = realtime.onFrame((frame) => {
      if (frame.type === "job.updated" && frame.jobId === props.id) reload();
    });
    let dropped = false;
    const offStatus = realtime.onStatus((status) => {
      if (status === "reconnecting" || status === "offline") dropped = true;
      if (status === "open" && dropped) {
        dropped = false;
        reload();
      }
    });
    const sent = (event: Event) => {
      if ((event as CustomEvent<{ jobId: string }>).detail.jobId === props.id) reload();
    };
    addEventListener(NOTE_SENT, sent);
    return () => {
      offFrame();
      offStatus();
      removeEventListener(NOTE_SENT, sent);
    };
  }, [realtime, props.id]);

  // Arriving from a citation elsewhere (/jobs/J-1#note-N-2): show the cited record once it is here.
  const ready = load.state === "ready";
  useEffect(() => {
    if (ready && location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView({ block: "center" });
  }, [ready]);

  useEffect(() => {
    let live = true;
    ok(api.v1.jobs[":id"].context.$get({ param: { id: props.id } }))
      .then((context) => live && setLoad({ state: "ready", context }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [props.id, attempt]);

  if (load.state === "loading") return <Loading what={`job ${props.id}`} />;
  if (load.state === "error")
    return (
      <section>
        <PageTitle>Job {props.id}</PageTitle>
        <ErrorNotice error={load.error} onRetry={() => setAttempt((n) => n + 1)} />
        <p>
          <a href="/">Back to jobs</a>
        </p>
      </section>
    );
  const { job, client, property, notes, events, assignees } = load.context;
  const siteNotes = notes.filter((n) => n.jobId === null);
  const jobNotes = notes.filter((n) => n.jobId !== null).sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  return (
    <article class="job-page" id="top">
      <p class="crumbs">
        <a href="/">Jobs</a> / {job.id}
      </p>
      <PageTitle>{job.title}</PageTitle>
      <p class="job-meta">
        <StatusBadge status={job.status} /> <span class={`badge badge-${job.priority}`}>{job.priority}</span>{" "}
        <span>{formatDateTime(job.scheduledStart)}</span>
      </p>
      <p class="assignees">
        Assigned: <span data-testid="assignees">{assignees.length > 0 ? assignees.map((a) => a.userId).join(", ") : "nobody"}</span>
      </p>
      {job.description && <p>{job.description}</p>}

      <BriefPanel key={`${job.id}:${attempt}`} jobId={job.id} />

      {canEdit && <JobEditor id={job.id} onSaved={() => setAttempt((n) => n + 1)} />}

      <CopilotPanel jobId={job.id} />

      <section aria-labelledby="site">
        <h2 id="site">Client and site</h2>
        <dl class="facts">
          <dt>Client</dt>
          <dd>
            {client?.name ?? job.clientId}
            {client?.phone && (
              <>
                {" · "}
                <a href={`tel:${client.phone}`}>{client.phone}</a>
              </>
            )}
          </dd>
          <dt>Property</dt>
          <dd>{property ? `${property.label ? `${property.label}, ` : ""}${property.address}` : "none recorded"}</dd>
        </dl>
        {siteNotes.length > 0 && (
          <ul class="site-notes" aria-label="Client and property notes">
            {siteNotes.map((n) => (
              <li key={n.id} id={`note-${n.id}`} tabIndex={-1}>
                {n.body}
              </li>
            ))}
          </ul>
        )}
      </section>

      <section aria-labelledby="notes">
        <h2 id="notes">Notes ({jobNotes.length})</h2>
        <NoteForm jobId={job.id} />
        {jobNotes.length === 0 ? (
          <p class="empty">No notes on this job yet.</p>
        ) : (
          <ol class="notes">
            {jobNotes.map((n) => (
              <li key={n.id} id={`note-${n.id}`} tabIndex={-1}>
                <p>{n.body}</p>
                <p class="meta">
                  {formatDateTime(n.createdAt)}
                  {n.authorId ? ` · ${n.authorId}` : ""} · {n.id}
                </p>
              </li>
            ))}
          </ol>
        )}
      </section>

      <section aria-labelledby="timeline">
        <h2 id="timeline">Timeline</h2>
        {events.length === 0 ? (
          <p class="empty">No events yet.</p>
        ) : (
          <ol class="timeline">
            {[...events]
              .sort((a, b) => b.at.localeCompare(a.at))
              .map((e) => (
                <li key={e.id} id={`event-${e.id}`} tabIndex={-1}>
                  <p>
                    <strong>{e.type.replace(/[._]/g, " ")}</strong> · {formatDateTime(e.at)}
                  </p>
                  {e.data && Object.keys(e.data).length > 0 && (
                    <dl class="event-data">
                      {Object.entries(e.data).map(([k, v]) => (
                        <div key={k}>
                          <dt>{k}</dt>
                          <dd>
                            {typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? String(v) : JSON.stringify(v)}
                          </dd>
                        </div>
                      ))}
                    </dl>
                  )}
                </li>
              ))}
          </ol>
        )}
      </section>
    </article>
  );
}

/** Writing a note: kept on the device first, shown as waiting until the server has it. */
function NoteForm(props: { jobId: string }) {
  const [text, setText] = useState("");
  const waiting = useOutbox(props.jobId);
  const submit = (event: Event) => {
    event.preventDefault();
    const body = text.trim();
    if (!body) return;
    outbox.add(props.jobId, body);
    setText("");
  };
  return (
    <>
      <form class="note-form" onSubmit={submit}>
        <label for="new-note">Add a note</label>
        <textarea
          id="new-note"
          rows={3}
          maxLength={100_000}
          value={text}
          onInput={(e) => setText((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <button type="submit" disabled={!text.trim()}>
          Add note
        </button>
      </form>
      {waiting.length > 0 && (
        <ul class="outbox" aria-label="Notes not sent yet">
          {waiting.map((n) => (
            <li key={n.key} class={`outbox-${n.state}`}>
              <p>{n.body}</p>
              <p class="meta" role="status">
                {n.state === "failed"
                  ? `Not sent: ${n.error ?? "refused"}`
                  : n.state === "sending"
                    ? "Sending…"
                    : "Waiting for the network"}
                {n.state === "failed" && (
                  <button type="button" class="secondary" onClick={() => outbox.discard(n.key)}>
                    Discard
                  </button>
                )}
              </p>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
