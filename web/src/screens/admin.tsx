import { useEffect, useState } from "preact/hooks";
import type { AuditEntry, AuditVerification } from "../../../schemas/audit";
import type { Role } from "../../../schemas/common";
import type { Member } from "../../../schemas/identity";
import { api, ApiError, ok, tagged } from "../api";
import { useSession } from "../session";
import { ErrorNotice, formatDateTime, Loading, PageTitle } from "../ui";
import { Activity, Import, IndexAndTasks, ProviderKey, Settings } from "./admin-more";

const ROLES: Role[] = ["admin", "dispatcher", "technician", "auditor", "service"];

/** The tenant's console: members (admins change them), the audit log and its verification, the export. */
export function AdminScreen() {
  const { me } = useSession();
  const isAdmin = me.role === "admin";
  return (
    <section aria-labelledby="page-title">
      <PageTitle>Administration</PageTitle>
      <Members canChange={isAdmin} />
      <Audit />
      <Activity />
      <Settings canChange={isAdmin} />
      <IndexAndTasks canChange={isAdmin} />
      {isAdmin && <ProviderKey />}
      {isAdmin && <Export />}
      {isAdmin && <Import />}
    </section>
  );
}

type MembersLoad = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; members: Member[] };

function Members(props: { canChange: boolean }) {
  const [load, setLoad] = useState<MembersLoad>({ state: "loading" });
  const [version, setVersion] = useState(0);
  const [problem, setProblem] = useState<unknown>(null);
  const [subject, setSubject] = useState("");
  const [role, setRole] = useState<Role>("technician");

  useEffect(() => {
    let live = true;
    ok(api.v1.admin.members.$get({ header: {} }))
      .then(({ members }) => live && setLoad({ state: "ready", members }))
      .catch((error: unknown) => live && setLoad({ state: "error", error }));
    return () => {
      live = false;
    };
  }, [version]);

  const act = async (work: () => Promise<unknown>) => {
    setProblem(null);
    try {
      await work();
      setVersion((n) => n + 1);
    } catch (error) {
      setProblem(error);
    }
  };
  const member = api.v1.admin.members[":userId"];
  const selector = (m: Member) => ({ param: { userId: m.subject }, query: { issuer: m.issuer } });

  return (
    <section aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      {problem !== null && <ErrorNotice error={problem} />}
      {load.state === "loading" && <Loading what="members" />}
      {load.state === "error" && <ErrorNotice error={load.error} onRetry={() => setVersion((n) => n + 1)} />}
      {load.state === "ready" && (
        <ul class="members">
          {load.members.map((m) => (
            <li key={`${m.issuer}|${m.subject}`} class={`member member-${m.status}`}>
              <span class="who">
                <strong>{m.subject}</strong>
                <span class="meta">
                  {" "}
                  {m.status === "suspended" ? "suspended · " : ""}
                  {m.email ?? ""}
                </span>
              </span>
              {props.canChange ? (
                <span class="member-actions">
                  <label>
                    <span class="visually-hidden">Role of {m.subject}</span>
                    <select
                      value={m.role}
                      onChange={(e) =>
                        void act(() =>
                          tagged(
                            member.$patch({
                              ...selector(m),
                              header: {},
                              json: { role: (e.currentTarget as HTMLSelectElement).value as Role },
                            }),
                          ),
                        )
                      }
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </label>
                  <button
                    type="button"
                    class="secondary"
                    onClick={() =>
                      void act(() =>
                        tagged(
                          member.$patch({ ...selector(m), header: {}, json: { status: m.status === "active" ? "suspended" : "active" } }),
                        ),
                      )
                    }
                  >
                    {m.status === "active" ? "Suspend" : "Reinstate"}
                  </button>
                  <button
                    type="button"
                    class="secondary danger"
                    onClick={() => {
                      if (confirm(`Remove ${m.subject} from this tenant? They are out from their next request on.`))
                        void act(() => ok(member.$delete({ ...selector(m), header: {} })));
                    }}
                  >
                    Remove
                  </button>
                </span>
              ) : (
                <span class="role">{m.role}</span>
              )}
            </li>
          ))}
        </ul>
      )}
      {props.canChange && (
        <form
          class="add-member"
          onSubmit={(e) => {
            e.preventDefault();
            const id = subject.trim();
            if (!id) return;
            void act(async () => {
              await ok(api.v1.admin.members.$post({ json: { subject: id, role } }));
              setSubject("");
            });
          }}
        >
          <h3>Add a member</h3>
          <div class="fields">
            <label>
              User id (the identity provider's subject)
              <input value={subject} onInput={(e) => setSubject((e.currentTarget as HTMLInputElement).value)} autoComplete="off" />
            </label>
            <label>
              Role
              <select value={role} onChange={(e) => setRole((e.currentTarget as HTMLSelectElement).value as Role)}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
          </div>
          <button type="submit">Add</button>
        </form>
      )}
    </section>
  );
}

type AuditLoad = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; entries: AuditEntry[] };

function Audit() {
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

/** Downloads the tenant's export (gzip NDJSON), showing how much has arrived. */
function Export() {
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
