import { render } from "preact";
import { useCallback, useEffect, useMemo, useState } from "preact/hooks";
import type { Me } from "../../schemas/identity";
import { api, ApiError, ok, onSessionEnded, useTenant } from "./api";
import { outbox } from "./outbox";
import { RealtimeConnection } from "./realtime";
import { navigate, useRoute } from "./router";
import { RealtimeContext } from "./realtime-context";
import { AdminScreen } from "./screens/admin";
import { BoardScreen } from "./screens/board";
import { CopilotPanel } from "./screens/copilot";
import { DocumentScreen } from "./screens/document";
import { JobScreen } from "./screens/job";
import { JobsScreen } from "./screens/jobs";
import { SignInScreen } from "./screens/sign-in";
import { rememberedTenant, SessionContext, type Session } from "./session";
import { ErrorNotice, Loading, PageTitle } from "./ui";
import "./styles.css";

/** The service worker keeps opened jobs readable offline (web/public/sw.js); it is told who is signed in. */
function tellServiceWorker(message: { type: "user"; key: string } | { type: "sign-out" }): void {
  void navigator.serviceWorker?.ready.then((registration) => registration.active?.postMessage(message));
}

type Auth =
  { state: "loading" } | { state: "signed-out"; ended?: string } | { state: "error"; error: unknown } | { state: "signed-in"; me: Me };

/** Who is signed in: `/v1/me` in the remembered tenant, else unscoped (an identity in several tenants then chooses). */
async function whoAmI(): Promise<Me> {
  const unscoped = await ok(api.v1.me.$get({ header: {} }));
  const remembered = rememberedTenant.get(unscoped);
  const wanted = unscoped.tenant?.id ?? (remembered && unscoped.memberships.some((m) => m.tenantId === remembered) ? remembered : null);
  if (wanted === null || wanted === unscoped.tenant?.id) {
    // One membership: the API chooses it, no header needed.
    useTenant(unscoped.memberships.length > 1 ? (unscoped.tenant?.id ?? null) : null);
    return unscoped;
  }
  useTenant(wanted);
  return ok(api.v1.me.$get({ header: {} }));
}

function App() {
  const route = useRoute();
  const [auth, setAuth] = useState<Auth>({ state: "loading" });

  const refresh = useCallback(() => {
    whoAmI()
      .then((me) => {
        tellServiceWorker({ type: "user", key: `${me.user.issuer}|${me.user.subject}` });
        outbox.open(me.tenant ? `${me.user.issuer}|${me.user.subject}|${me.tenant.id}` : null);
        setAuth({ state: "signed-in", me });
      })
      .catch((error: unknown) =>
        setAuth(error instanceof ApiError && error.status === 401 ? { state: "signed-out" } : { state: "error", error }),
      );
  }, []);
  useEffect(refresh, [refresh]);
  // A 401 from any call while signed in: the session ended under the page (expired, ended at the
  // identity provider, cookie gone), so the sign-in screen says so instead of an error per screen.
  useEffect(
    () => onSessionEnded((error) => setAuth((a) => (a.state === "signed-in" ? { state: "signed-out", ended: error.display } : a))),
    [],
  );

  const tenantId = auth.state === "signed-in" ? auth.me.tenant?.id : undefined;
  // One realtime connection per signed-in tenant; closed on sign-out or a switch.
  const realtime = useMemo(() => (tenantId ? new RealtimeConnection() : null), [tenantId]);
  // Open while signed in: presence, live updates and the copilot share it.
  useEffect(() => {
    realtime?.open();
    return () => realtime?.close();
  }, [realtime]);

  if (auth.state === "loading") return <Loading what="FieldPilot" />;
  if (auth.state === "error")
    return (
      <main id="main">
        <PageTitle>FieldPilot</PageTitle>
        <ErrorNotice error={auth.error} onRetry={refresh} />
      </main>
    );
  if (auth.state === "signed-out")
    return (
      <main id="main">
        <SignInScreen
          ended={auth.ended}
          onSignedIn={(tenantId, userId) => {
            if (tenantId) localStorage.setItem(`fieldpilot.tenant.dev|${userId}`, tenantId);
            // A fresh load, as after any sign-in redirect: the page's preloaded answers were the signed-out ones.
            location.replace(route.name === "sign-in" ? "/" : location.href);
          }}
        />
      </main>
    );

  const me = auth.me;
  const session: Session = {
    me,
    switchTenant: (tenantId) => {
      rememberedTenant.set(me, tenantId);
      useTenant(tenantId);
      refresh();
    },
    signOut: async () => {
      const unsent = outbox.pending().length;
      if (unsent > 0 && !confirm(`${unsent} note(s) are not sent yet. Signing out deletes them from this device. Sign out anyway?`)) return;
      outbox.clear();
      outbox.open(null);
      const res = await api.auth.logout.$post().catch(() => null);
      tellServiceWorker({ type: "sign-out" });
      // An OIDC session: the identity provider's own session ends too (it sends the browser back to /).
      if (res?.status === 200) {
        const { endSessionUrl } = (await res.json()) as { endSessionUrl?: string };
        if (endSessionUrl) {
          location.assign(endSessionUrl);
          return;
        }
      }
      useTenant(null);
      setAuth({ state: "signed-out" });
      navigate("/");
    },
  };
  return (
    <SessionContext.Provider value={session}>
      <RealtimeContext.Provider value={realtime}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <Header session={session} />
        <main id="main">
          {me.tenant === null ? (
            <ChooseTenant session={session} />
          ) : route.name === "job" ? (
            <JobScreen key={`${me.tenant.id}:${route.id}`} id={route.id} />
          ) : route.name === "document" ? (
            <DocumentScreen
              key={`${me.tenant.id}:${route.source}:${route.docId}:${route.version ?? ""}:${route.chunkId ?? ""}`}
              source={route.source}
              docId={route.docId}
              version={route.version}
              chunkId={route.chunkId}
            />
          ) : route.name === "admin" ? (
            <AdminScreen key={me.tenant.id} />
          ) : route.name === "board" ? (
            <BoardScreen key={me.tenant.id} />
          ) : route.name === "copilot" ? (
            <section>
              <PageTitle>Copilot</PageTitle>
              <p class="hint">Questions about anything you can read; answers quote your records.</p>
              <CopilotPanel key={me.tenant.id} />
            </section>
          ) : route.name === "not-found" ? (
            <section>
              <PageTitle>Page not found</PageTitle>
              <p>
                There is no page at {route.path}. <a href="/">Go to jobs</a>.
              </p>
            </section>
          ) : (
            <JobsScreen key={me.tenant.id} />
          )}
        </main>
      </RealtimeContext.Provider>
    </SessionContext.Provider>
  );
}

function Header(props: { session: Session }) {
  const { me, switchTenant, signOut } = props.session;
  return (
    <header class="top">
      <nav aria-label="Main">
        <a class="brand" href="/">
          FieldPilot
        </a>
        <a href="/">Jobs</a>
        {(me.role === "dispatcher" || me.role === "admin") && <a href="/board">Board</a>}
        <a href="/copilot">Copilot</a>
        {(me.role === "admin" || me.role === "auditor") && <a href="/admin">Admin</a>}
      </nav>
      <div class="who">
        <span>
          {me.user.subject}
          {me.role ? ` · ${me.role}` : ""}
        </span>
        {me.memberships.length > 1 && (
          <label>
            <span class="visually-hidden">Tenant</span>
            <select value={me.tenant?.id ?? ""} onChange={(e) => switchTenant((e.currentTarget as HTMLSelectElement).value)}>
              {me.tenant === null && <option value="">Choose a tenant</option>}
              {me.memberships.map((m) => (
                <option key={m.tenantId} value={m.tenantId}>
                  {m.tenantName}
                </option>
              ))}
            </select>
          </label>
        )}
        {me.memberships.length <= 1 && me.tenant && <span class="tenant">{me.tenant.name}</span>}
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </div>
    </header>
  );
}

function ChooseTenant(props: { session: Session }) {
  return (
    <section>
      <PageTitle>Choose a tenant</PageTitle>
      <p>You belong to several companies. Which one are you working for?</p>
      <ul class="tenant-choices">
        {props.session.me.memberships.map((m) => (
          <li key={m.tenantId}>
            <button type="button" onClick={() => props.session.switchTenant(m.tenantId)}>
              {m.tenantName} <span class="role">{m.role}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);
if ("serviceWorker" in navigator) void navigator.serviceWorker.register("/sw.js").catch(() => undefined);
