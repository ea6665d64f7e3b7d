import { useEffect, useState } from "preact/hooks";
import type { DevIdentities, SignInOptions } from "../../../schemas/auth";
import type { Role } from "../../../schemas/common";
import { api, ok } from "../api";
import { ErrorNotice, Loading, PageTitle } from "../ui";

const ROLE_ORDER: Role[] = ["technician", "dispatcher", "admin", "auditor", "service"];

/** Sign-in: the local picker where dev auth is allowed; otherwise the deployment's identity provider. */
/** `ended`: why the session this page was using ended (a 401 while signed in), shown above the ways in. */
export function SignInScreen(props: { ended?: string | undefined; onSignedIn: (tenantId: string | null, userId: string) => void }) {
  const [options, setOptions] = useState<SignInOptions | null>(null);
  const [identities, setIdentities] = useState<DevIdentities | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  // Where a failed OIDC sign-in comes back to (`/?signin_error=…`): said once, then dropped from the address.
  const [signinError] = useState(() => new URLSearchParams(location.search).get("signin_error")?.slice(0, 200) ?? null);
  useEffect(() => {
    if (signinError !== null) history.replaceState(null, "", location.pathname);
  }, [signinError]);

  useEffect(() => {
    ok(api.auth.options.$get())
      .then(async (o) => {
        setOptions(o);
        if (o.dev) setIdentities(await ok(api.auth.dev.identities.$get()));
      })
      .catch(setError);
  }, []);

  const signInAs = async (tenantId: string, userId: string) => {
    setBusy(true);
    setError(null);
    try {
      await ok(api.auth.dev.session.$post({ json: { userId } }));
      props.onSignedIn(tenantId, userId);
    } catch (e) {
      setError(e);
      setBusy(false);
    }
  };

  return (
    <section class="sign-in" aria-labelledby="page-title">
      <PageTitle>Sign in to FieldPilot</PageTitle>
      {props.ended !== undefined && (
        <div class="notice notice-error" role="alert">
          <p>Your session has ended: {props.ended}. Sign in again to go on.</p>
        </div>
      )}
      {signinError && (
        <div class="notice notice-error" role="alert">
          <p>Signing in did not work: {signinError}. Try again; if it keeps happening, tell your admin.</p>
        </div>
      )}
      {error !== null && <ErrorNotice error={error} />}
      {options === null && error === null && <Loading what="sign-in options" />}
      {options?.oidc && (
        <p>
          <a class="button" href="/auth/login">
            Sign in with your company account
          </a>
        </p>
      )}
      {options?.access && <p>This deployment signs you in through Cloudflare Access: reload the page after signing in there.</p>}
      {options && !options.oidc && !options.access && !options.dev && (
        <p>No way to sign in is configured on this deployment. An operator must set up OIDC or Cloudflare Access.</p>
      )}
      {options?.dev && identities && (
        <>
          <p class="hint">
            Local development: pick a demo identity. Dev sign-in trusts whoever you pick and exists only on local deployments.
          </p>
          {identities.tenants.length === 0 && <p class="empty">No tenants have dev members yet (npm start loads the demo).</p>}
          {identities.tenants.map((tenant) => (
            <section key={tenant.id} class="picker" aria-labelledby={`tenant-${tenant.id}`}>
              <h2 id={`tenant-${tenant.id}`}>{tenant.name}</h2>
              <ul>
                {[...tenant.members]
                  .sort((a, b) => ROLE_ORDER.indexOf(a.role) - ROLE_ORDER.indexOf(b.role) || a.userId.localeCompare(b.userId))
                  .map((m) => (
                    <li key={m.userId}>
                      <button type="button" disabled={busy} onClick={() => void signInAs(tenant.id, m.userId)}>
                        <span class="who">{m.userId}</span> <span class="role">{m.role}</span>
                      </button>
                    </li>
                  ))}
              </ul>
            </section>
          ))}
        </>
      )}
    </section>
  );
}
