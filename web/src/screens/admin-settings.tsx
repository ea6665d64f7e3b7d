import { useEffect, useState } from "preact/hooks";
import type { ProviderKeyView } from "../../../schemas/provider-keys";
import type { DataMode, SettingsView } from "../../../schemas/settings";
import { api, ApiError, ok, tagged } from "../api";
import { ErrorNotice, formatDateTime, Loading } from "../ui";

/** Settings: what GET returns is edited and PUT back, with the ETag it was read with. */
export function Settings(props: { canChange: boolean }) {
  const [view, setView] = useState<{ settings: SettingsView; etag: string | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [saved, setSaved] = useState(false);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    tagged(api.v1.admin.settings.$get({ header: {} }))
      .then(({ body, etag }) => setView({ settings: body, etag }))
      .catch(setError);
  }, [version]);
  if (error !== null && view === null) return <ErrorNotice error={error} onRetry={() => setVersion((n) => n + 1)} />;
  if (!view) return <Loading what="settings" />;
  const s = view.settings;
  const save = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const retention = String(form.get("chatRetentionDays") ?? "").trim();
    setSaved(false);
    setError(null);
    try {
      const { body, etag } = await tagged(
        api.v1.admin.settings.$put({
          header: view.etag ? { "if-match": view.etag } : {},
          json: {
            dataMode: String(form.get("dataMode")) as DataMode,
            rateLimits: { tenantPerMinute: Number(form.get("tenantPerMinute")), userPerMinute: Number(form.get("userPerMinute")) },
            chatRetentionDays: retention === "" ? null : Number(retention),
          },
        }),
      );
      setView({ settings: body, etag });
      setSaved(true);
    } catch (e) {
      setError(e);
      if (e instanceof ApiError && e.status === 412) setVersion((n) => n + 1);
    }
  };
  return (
    <form onSubmit={(e) => void save(e)} aria-labelledby="settings-title">
      <h2 id="settings-title">Settings</h2>
      {error !== null && <ErrorNotice error={error} />}
      <fieldset disabled={!props.canChange} class="fields">
        <label>
          Copilot data kept
          <select name="dataMode" value={s.dataMode}>
            <option value="full">full conversations</option>
            <option value="metadata-only">metadata only</option>
          </select>
        </label>
        <label>
          Requests per minute, whole tenant (at most {s.platform.maxTenantPerMinute.toLocaleString()})
          <input name="tenantPerMinute" type="number" min={1} max={s.platform.maxTenantPerMinute} value={s.rateLimits.tenantPerMinute} />
        </label>
        <label>
          Requests per minute, per user (at most {s.platform.maxUserPerMinute.toLocaleString()})
          <input name="userPerMinute" type="number" min={1} max={s.platform.maxUserPerMinute} value={s.rateLimits.userPerMinute} />
        </label>
        <label>
          Keep copilot conversations, days (empty: no limit)
          <input name="chatRetentionDays" type="number" min={1} max={3650} value={s.chatRetentionDays ?? ""} />
        </label>
      </fieldset>
      {props.canChange && <button type="submit">Save settings</button>}
      {saved && (
        <p role="status" class="hint">
          Settings saved.
        </p>
      )}
    </form>
  );
}

/** The tenant's own LLM provider key: shown masked, set or replaced, deleted. Never shown in clear. */
export function ProviderKey() {
  const [key, setKey] = useState<ProviderKeyView | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(null);
  const [value, setValue] = useState("");
  const [version, setVersion] = useState(0);
  const slot = api.v1.admin["provider-keys"][":provider"];
  useEffect(() => {
    ok(slot.$get({ param: { provider: "openai" }, header: {} }))
      .then(setKey)
      .catch((e: unknown) => (e instanceof ApiError && e.status === 404 ? setKey(null) : setError(e)));
  }, [version]);
  const act = async (work: () => Promise<unknown>) => {
    setError(null);
    try {
      await work();
      setValue("");
      setVersion((n) => n + 1);
    } catch (e) {
      setError(e);
    }
  };
  return (
    <section aria-labelledby="key-title">
      <h2 id="key-title">OpenAI key</h2>
      {error !== null && <ErrorNotice error={error} />}
      {key === undefined && error === null && <Loading what="the key" />}
      {key === null && <p>No key of this tenant: the deployment's own key is used (if it has one).</p>}
      {key && (
        <p>
          Stored: <code>{key.mask}</code> ({key.fingerprint}), since {formatDateTime(key.updatedAt)}.{" "}
          <button
            type="button"
            class="secondary danger"
            onClick={() => void act(() => ok(slot.$delete({ param: { provider: "openai" }, header: {} })))}
          >
            Delete
          </button>
        </p>
      )}
      <form
        class="search-row"
        onSubmit={(e) => {
          e.preventDefault();
          if (value.trim()) void act(() => ok(slot.$put({ param: { provider: "openai" }, header: {}, json: { key: value.trim() } })));
        }}
      >
        <label class="visually-hidden" for="provider-key">
          New key
        </label>
        <input
          id="provider-key"
          type="password"
          autoComplete="off"
          value={value}
          onInput={(e) => setValue((e.currentTarget as HTMLInputElement).value)}
          placeholder="sk-…"
        />
        <button type="submit">{key ? "Replace" : "Store"}</button>
      </form>
    </section>
  );
}
