import { parseOr422 } from "../../../../schemas/errors";
import { SettingsPut, type SettingsView } from "../../../../schemas/settings";
import type { CallContext } from "../../guard";
import type { Runtime } from "../../runtime";
import { needsRetentionPurge, replaceSettings, settingsFromPut, settingsView } from "../../settings";

/** `GET|PUT /v1/admin/settings` (the rules live in settings.ts). */
export function getSettings(rt: Runtime): SettingsView {
  return settingsView(rt.db, rt.limits);
}

/** Replaces the settings (omitted fields fall back to the platform's defaults), within the platform's bounds. */
export function putSettings(rt: Runtime, c: CallContext, input: SettingsPut): SettingsView {
  const next = settingsFromPut(parseOr422(SettingsPut, input), rt.limits);
  rt.db.transaction(() => {
    replaceSettings(rt.db, next);
    c.audit({ action: "settings.update", target: null, outcome: "ok", reason: JSON.stringify(next).slice(0, 500) });
  });
  // A retention period or metadata-only mode applies to what is stored now, not only from tomorrow.
  if (needsRetentionPurge(next))
    rt.enqueue("retention-purge", c.principal, (reason) => c.audit({ action: "retention.purge", target: null, outcome: "ok", reason }));
  return settingsView(rt.db, rt.limits);
}
