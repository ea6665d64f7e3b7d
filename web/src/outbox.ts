import { useEffect, useState } from "preact/hooks";
import { api, ApiError, ok } from "./api";

/**
 * Notes written on the device, sent when the network lets them: each is stored (localStorage, per
 * signed-in user and tenant) with its own `Idempotency-Key` before the first try, so a send whose
 * answer was lost is retried with the same key and the server answers with the first note
 * instead of writing a second. Sent in the order written; a refusal (4xx) stays listed as failed.
 */
export interface OutboxNote {
  key: string;
  jobId: string;
  body: string;
  writtenAt: string;
  state: "waiting" | "sending" | "failed";
  error?: string;
}

const RETRY_MS = 15_000;
/** A window event, `detail: { jobId }`, once a note of the outbox has reached the server. */
export const NOTE_SENT = "fieldpilot:note-sent";
let owner: string | null = null;
const listeners = new Set<() => void>();
let flushing = false;

const storageKey = () => (owner ? `fieldpilot.outbox.${owner}` : null);

function read(): OutboxNote[] {
  const key = storageKey();
  if (!key) return [];
  try {
    const value = JSON.parse(localStorage.getItem(key) ?? "[]") as unknown;
    return Array.isArray(value) ? (value as OutboxNote[]) : [];
  } catch {
    return [];
  }
}

function write(notes: OutboxNote[]): void {
  const key = storageKey();
  if (!key) return;
  if (notes.length === 0) localStorage.removeItem(key);
  else localStorage.setItem(key, JSON.stringify(notes));
  for (const listener of listeners) listener();
}

export const outbox = {
  /** Whose outbox this is (`issuer|subject|tenant`); sends what was left from last time. */
  open(key: string | null): void {
    owner = key;
    for (const listener of listeners) listener();
    if (key) void outbox.flush();
  },
  add(jobId: string, body: string): void {
    const note: OutboxNote = { key: `web-${crypto.randomUUID()}`, jobId, body, writtenAt: new Date().toISOString(), state: "waiting" };
    write([...read(), note]);
    void outbox.flush();
  },
  discard(key: string): void {
    write(read().filter((n) => n.key !== key));
  },
  pending(): OutboxNote[] {
    return read();
  },
  /** Deletes the signed-in user's unsent notes (sign-out on a shared device). */
  clear(): void {
    write([]);
  },
  /** Sends waiting notes one by one; stops at the first that cannot reach the server. */
  async flush(): Promise<void> {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      for (;;) {
        const next = read().find((n) => n.state === "waiting" || n.state === "sending");
        if (!next) return;
        write(read().map((n) => (n.key === next.key ? { ...n, state: "sending" } : n)));
        try {
          await ok(
            api.v1.jobs[":id"].notes.$post({
              param: { id: next.jobId },
              header: { "idempotency-key": next.key },
              json: { body: next.body },
            }),
          );
          write(read().filter((n) => n.key !== next.key));
          // The job's page shows it now (the socket's job.updated may have been missed while offline).
          dispatchEvent(new CustomEvent(NOTE_SENT, { detail: { jobId: next.jobId } }));
        } catch (error) {
          const refused =
            error instanceof ApiError && error.status >= 400 && error.status < 500 && error.status !== 429 && error.status !== 0;
          write(
            read().map((n) =>
              n.key === next.key
                ? refused
                  ? { ...n, state: "failed", error: (error as ApiError).display }
                  : { ...n, state: "waiting" }
                : n,
            ),
          );
          if (!refused) {
            // The server or the network failed: try again a little later (and at once when back online).
            setTimeout(() => void outbox.flush(), RETRY_MS);
            return;
          }
        }
      }
    } finally {
      flushing = false;
    }
  },
};

addEventListener("online", () => void outbox.flush());

/** The outbox's notes for one job, kept current. */
export function useOutbox(jobId: string): OutboxNote[] {
  const [notes, setNotes] = useState(() => outbox.pending().filter((n) => n.jobId === jobId));
  useEffect(() => {
    const update = () => setNotes(outbox.pending().filter((n) => n.jobId === jobId));
    listeners.add(update);
    update();
    return () => {
      listeners.delete(update);
    };
  }, [jobId]);
  return notes;
}
