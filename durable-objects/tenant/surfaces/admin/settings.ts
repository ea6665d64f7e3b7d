import { parseOr422 } from "../../../../schemas/errors";
import type { Preconditions, Tagged } from "../../../../schemas/preconditions";
import { SettingsPut, type SettingsView } from "../../../../schemas/settings";
import { entityTag, requirePreconditions, tagged } from "../../etag";
import type { CallContext } from "../../guard";
import type { Runtime } from "../../runtime";
import { needsRetentionPurge, replaceSettings, settingsFromPut, settingsView } from "../../settings";

/** `GET|PUT /v1/admin/settings` (the rules live in settings.ts). The tag covers the whole view, platform bounds included. */
export function getSettings(rt: Runtime): Tagged<SettingsView> {
  return tagged("settings", settingsView(rt.db, rt.limits));
}

/**
 * Replaces the settings (omitted fields fall back to the platform's defaults), within the
 * platform's bounds, when the preconditions hold against the settings in effect.
 */
export function putSettings(rt: Runtime, c: CallContext, input: SettingsPut, preconditions: Preconditions): Tagged<SettingsView> {
  const next = settingsFromPut(parseOr422(SettingsPut, input), rt.limits);
  rt.db.transaction(() => {
    requirePreconditions(preconditions, entityTag("settings", settingsView(rt.db, rt.limits)), "the settings");
    replaceSettings(rt.db, next);
    c.audit({ action: "settings.update", target: null, outcome: "ok", reason: JSON.stringify(next).slice(0, 500) });
  });
  // A retention period or metadata-only mode applies to what is stored now, not only from tomorrow.
  if (needsRetentionPurge(next))
    rt.enqueue("retention-purge", c.principal, (reason) => c.audit({ action: "retention.purge", target: null, outcome: "ok", reason }));
  return tagged("settings", settingsView(rt.db, rt.limits));
}
