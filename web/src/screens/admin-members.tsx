import { useEffect, useState } from "preact/hooks";
import type { Role } from "../../../schemas/common";
import type { Member } from "../../../schemas/identity";
import { api, ok, tagged } from "../api";
import { ErrorNotice, Loading } from "../ui";

const ROLES: Role[] = ["admin", "dispatcher", "technician", "auditor", "service"];

type MembersLoad = { state: "loading" } | { state: "error"; error: unknown } | { state: "ready"; members: Member[] };

export function Members(props: { canChange: boolean }) {
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
