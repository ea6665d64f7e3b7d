import { useEffect, useRef, useState } from "preact/hooks";
import type { AnswerFrame } from "../../../schemas/realtime";
import { api, ok } from "../api";
import { citationHref } from "../citations";
import type { ConnectionStatus } from "../realtime";
import { useConnectionStatus, useRealtime } from "../realtime-context";
import { ErrorNotice, formatDateTime } from "../ui";

const STATUS_TEXT: Record<ConnectionStatus, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Connection lost, reconnecting…",
  offline: "Offline: waiting for the network",
  closed: "Not connected",
};

interface Turn {
  id: string;
  question: string;
  text: string;
  state: "streaming" | "done" | "cancelled" | "error";
  answer?: AnswerFrame;
  error?: string;
}

/**
 * The copilot: a question, the answer streaming in as it arrives, citations as chips that jump to
 * the cited record, a clear state when no records say it, cancel, and the connection's status.
 * On a job page the questions are scoped to that job.
 */
export function CopilotPanel(props: { jobId?: string }) {
  const conn = useRealtime();
  const status = useConnectionStatus(conn);
  const [question, setQuestion] = useState("");
  const [turns, setTurns] = useState<Turn[]>([]);
  const [threadId, setThreadId] = useState<string | undefined>(undefined);
  const input = useRef<HTMLTextAreaElement>(null);
  const streaming = turns.find((t) => t.state === "streaming");

  useEffect(() => {
    conn.open();
  }, [conn]);

  const update = (id: string, change: (turn: Turn) => Turn) => setTurns((all) => all.map((t) => (t.id === id ? change(t) : t)));

  const ask = (event: Event) => {
    event.preventDefault();
    const text = question.trim();
    if (!text || streaming) return;
    const id = conn.ask(
      text,
      { ...(props.jobId ? { jobId: props.jobId } : {}), ...(threadId ? { threadId } : {}) },
      {
        delta: (piece) => update(id, (t) => ({ ...t, text: t.text + piece })),
        answer: (frame) => {
          setThreadId(frame.threadId);
          // The text is what streamed in (a resumed answer included); an answer with no deltas shows it whole.
          update(id, (t) => ({ ...t, state: "done", answer: frame, text: t.text === "" ? frame.answer : t.text }));
        },
        error: (frame) =>
          update(id, (t) =>
            frame.code === "cancelled" ? { ...t, state: "cancelled" } : { ...t, state: "error", error: frame.message || frame.code },
          ),
      },
    );
    setTurns((all) => [...all, { id, question: text, text: "", state: "streaming" }]);
    setQuestion("");
  };

  return (
    <section class="copilot" aria-labelledby="copilot-title">
      <h2 id="copilot-title">Ask the copilot</h2>
      <p class={`connection connection-${status}`} role="status" aria-live="polite">
        {STATUS_TEXT[status]}
      </p>
      <ol class="turns" aria-live="polite">
        {turns.map((turn) => (
          <li key={turn.id} class={`turn turn-${turn.state}`}>
            <p class="question">{turn.question}</p>
            <TurnBody turn={turn} jobId={props.jobId} />
          </li>
        ))}
      </ol>
      <form onSubmit={ask} class="ask">
        <label for="copilot-question">{props.jobId ? "Your question about this job" : "Your question"}</label>
        <textarea
          id="copilot-question"
          ref={input}
          rows={2}
          maxLength={2000}
          value={question}
          onInput={(e) => setQuestion((e.currentTarget as HTMLTextAreaElement).value)}
        />
        <div class="actions">
          <button type="submit" disabled={!question.trim() || streaming !== undefined}>
            Ask
          </button>
          {streaming && (
            <button type="button" class="secondary" onClick={() => conn.cancel(streaming.id)}>
              Cancel
            </button>
          )}
        </div>
      </form>
      <ThreadHistory jobId={props.jobId} />
    </section>
  );
}

function TurnBody(props: { turn: Turn; jobId: string | undefined }) {
  const { turn } = props;
  if (turn.state === "error") return <ErrorNotice error={new Error(turn.error)} />;
  if (turn.state === "cancelled")
    return (
      <p class="answer">
        {turn.text}
        <em> (cancelled)</em>
      </p>
    );
  const answer = turn.answer;
  return (
    <>
      {answer && !answer.grounded && (
        <p class="notice ungrounded">
          <strong>No records say this.</strong> Nothing you can read answers the question, so the copilot does not guess.
        </p>
      )}
      <p class="answer" aria-busy={turn.state === "streaming"}>
        {turn.text}
        {turn.state === "streaming" && <span class="cursor" aria-hidden="true" />}
      </p>
      {answer && answer.citations.length > 0 && (
        <ul class="citations" aria-label="Sources">
          {answer.citations.map((c) => (
            <li key={c.ref}>
              <a class="chip" href={citationHref(c, props.jobId)} title={c.quote}>
                {c.ref}
              </a>
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

type History = { state: "closed" } | { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; items: HistoryItem[] };
interface HistoryItem {
  id: string;
  updatedAt: string;
  messages: { role: string; content: string | null }[];
}

/** Earlier conversations (this job's on a job page): opened on demand. */
function ThreadHistory(props: { jobId?: string }) {
  const [history, setHistory] = useState<History>({ state: "closed" });
  const load = async () => {
    setHistory({ state: "loading" });
    try {
      const { threads } = await ok(api.v1.copilot.threads.$get({ header: {} }));
      const mine = threads.filter((t) => (props.jobId ? t.jobId === props.jobId : true)).slice(0, 5);
      const items = await Promise.all(
        mine.map(async (t) => {
          const detail = await ok(api.v1.copilot.threads[":id"].$get({ param: { id: t.id } }));
          return { id: t.id, updatedAt: t.updatedAt, messages: detail.messageList };
        }),
      );
      setHistory({ state: "ready", items });
    } catch (error) {
      setHistory({ state: "error", error });
    }
  };
  return (
    <details class="history" onToggle={(e) => (e.currentTarget as HTMLDetailsElement).open && history.state === "closed" && void load()}>
      <summary>Earlier questions</summary>
      {history.state === "loading" && <p role="status">Loading…</p>}
      {history.state === "error" && <ErrorNotice error={history.error} onRetry={() => void load()} />}
      {history.state === "ready" && history.items.length === 0 && <p class="empty">No earlier questions.</p>}
      {history.state === "ready" &&
        history.items.map((item) => (
          <div key={item.id} class="thread">
            <p class="meta">{formatDateTime(item.updatedAt)}</p>
            {item.messages.map((m, i) => (
              <p key={i} class={m.role === "user" ? "question" : "answer"}>
                {m.content ?? "(not kept: this tenant keeps metadata only)"}
              </p>
            ))}
          </div>
        ))}
    </details>
  );
}
