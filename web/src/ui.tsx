import type { ComponentChildren } from "preact";
import { useEffect, useRef } from "preact/hooks";
import type { JobPriority, JobStatus } from "../../schemas/records";
import { ApiError } from "./api";

/** A problem as a person reads it: the explanation, each field it names, and the request id to quote. Never raw JSON. */
export function ErrorNotice(props: { error: unknown; onRetry?: () => void }) {
  const message =
    props.error instanceof ApiError
      ? props.error.display
      : "Something went wrong in this page. Reload it; if it happens again, tell your admin.";
  const fields = props.error instanceof ApiError ? props.error.fields : [];
  return (
    <div class="notice notice-error" role="alert">
      <p>{message}</p>
      {fields.length > 0 && (
        <ul class="field-problems">
          {fields.map((f, i) => (
            <li key={i}>
              {f.path}: {f.message}
            </li>
          ))}
        </ul>
      )}
      {props.onRetry && (
        <button type="button" onClick={props.onRetry}>
          Try again
        </button>
      )}
    </div>
  );
}

export function Loading(props: { what: string }) {
  return (
    <p class="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

/** A page's heading: focused when the page changes, so screen readers announce where the user is. */
export function PageTitle(props: { children: ComponentChildren }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
    document.title = `${ref.current?.textContent ?? ""} · FieldPilot`;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });
const dateOnly = new Intl.DateTimeFormat(undefined, { weekday: "short", day: "numeric", month: "short" });

export const formatDateTime = (iso: string | null): string => (iso ? dateTime.format(new Date(iso)) : "not scheduled");
export const formatDay = (iso: string): string => dateOnly.format(new Date(iso));

export function StatusBadge(props: { status: string }) {
  return <span class={`badge badge-${props.status}`}>{props.status.replace(/_/g, " ")}</span>;
}

const STATUSES: JobStatus[] = ["scheduled", "in_progress", "completed", "cancelled"];
const PRIORITIES: JobPriority[] = ["low", "normal", "high", "urgent"];

/** The `<option>`s of a job status `<select>` (the filters and the job editor share them). */
export function StatusOptions() {
  return (
    <>
      {STATUSES.map((s) => (
        <option key={s} value={s}>
          {s.replace("_", " ")}
        </option>
      ))}
    </>
  );
}

export function PriorityOptions() {
  return (
    <>
      {PRIORITIES.map((p) => (
        <option key={p} value={p}>
          {p}
        </option>
      ))}
    </>
  );
}
