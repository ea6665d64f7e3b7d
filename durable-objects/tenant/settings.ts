import { AppError, type FieldError } from "../../schemas/errors";
import type { RecordData } from "../../schemas/export";
import type { PlatformBounds, SettingsPut, SettingsView, StoredSettings } from "../../schemas/settings";
import type { PlatformLimits } from "./config";
import type { Db } from "./data/db";
import { settings } from "./data/settings";

/**
 * The tenant's settings, in one place: what is stored (only what an admin set), what is in effect
 * (stored values within the platform's bounds, else the platform's defaults), the view GET
 * answers, the checks PUT makes, and the form they take in an export.
 */
export function storedSettings(db: Db): StoredSettings {
  return settings.get(db);
}

/** Rate limits in effect: the tenant's own, never above the platform's bounds, else the platform's defaults. */
export function effectiveRateLimits(stored: StoredSettings, limits: PlatformLimits): { tenantPerMinute: number; userPerMinute: number } {
  return {
    tenantPerMinute: Math.min(stored.rateLimits?.tenantPerMinute ?? limits.tenantPerMinute, limits.maxTenantPerMinute),
    userPerMinute: Math.min(stored.rateLimits?.userPerMinute ?? limits.userPerMinute, limits.maxUserPerMinute),
  };
}

/** Whether copilot questions and answers are stored with their content (`full` data mode). */
export function keepsChatContent(stored: StoredSettings): boolean {
  return stored.dataMode !== "metadata-only";
}

/** Whether a retention purge applies: a retention period, or metadata-only mode (stored content goes). */
export function needsRetentionPurge(stored: StoredSettings): boolean {
  return stored.chatRetentionDays !== undefined || stored.dataMode === "metadata-only";
}

export function platformBounds(limits: PlatformLimits): PlatformBounds {
  return {
    tenantPerMinute: limits.tenantPerMinute,
    userPerMinute: limits.userPerMinute,
    maxTenantPerMinute: limits.maxTenantPerMinute,
    maxUserPerMinute: limits.maxUserPerMinute,
  };
}

export function settingsView(db: Db, limits: PlatformLimits): SettingsView {
  const stored = storedSettings(db);
  return {
    dataMode: stored.dataMode ?? "full",
    rateLimits: effectiveRateLimits(stored, limits),
    chatRetentionDays: stored.chatRetentionDays ?? null,
    platform: platformBounds(limits),
  };
}

/**
 * What a PUT stores, or a 422 naming each field outside the platform's bounds. The read-only
 * `platform` part (GET returns it) is accepted when it is unchanged and refused when it differs.
 */
export function settingsFromPut(put: SettingsPut, limits: PlatformLimits): StoredSettings {
  const errors: FieldError[] = [];
  if ((put.rateLimits?.tenantPerMinute ?? 0) > limits.maxTenantPerMinute)
    errors.push({ path: "rateLimits.tenantPerMinute", message: `at most ${limits.maxTenantPerMinute} (the platform's bound)` });
  if ((put.rateLimits?.userPerMinute ?? 0) > limits.maxUserPerMinute)
    errors.push({ path: "rateLimits.userPerMinute", message: `at most ${limits.maxUserPerMinute} (the platform's bound)` });
  if (put.platform !== undefined) {
    const current = platformBounds(limits);
    for (const key of Object.keys(current) as (keyof PlatformBounds)[]) {
      if (put.platform[key] !== current[key])
        errors.push({ path: `platform.${key}`, message: `is read-only: the platform's value is ${current[key]}` });
    }
  }
  if (errors.length > 0) throw new AppError("validation_failed", "settings outside the platform's bounds", { errors });
  return {
    ...(put.dataMode === undefined ? {} : { dataMode: put.dataMode }),
    ...(put.rateLimits === undefined ? {} : { rateLimits: put.rateLimits }),
    ...(put.chatRetentionDays == null ? {} : { chatRetentionDays: put.chatRetentionDays }),
  };
}

export function replaceSettings(db: Db, next: StoredSettings): void {
  settings.put(db, next);
}

/** The settings as an export writes them (every field present, null when not set). */
export function settingsRecord(s: StoredSettings): RecordData<"settings"> {
  return {
    dataMode: s.dataMode ?? null,
    tenantPerMinute: s.rateLimits?.tenantPerMinute ?? null,
    userPerMinute: s.rateLimits?.userPerMinute ?? null,
    chatRetentionDays: s.chatRetentionDays ?? null,
  };
}

/** An export's settings record as stored settings. */
export function settingsFromRecord(s: RecordData<"settings">): StoredSettings {
  const rateLimits = {
    ...(s.tenantPerMinute === null ? {} : { tenantPerMinute: s.tenantPerMinute }),
    ...(s.userPerMinute === null ? {} : { userPerMinute: s.userPerMinute }),
  };
  return {
    ...(s.dataMode === null ? {} : { dataMode: s.dataMode }),
    ...(Object.keys(rateLimits).length === 0 ? {} : { rateLimits }),
    ...(s.chatRetentionDays === null ? {} : { chatRetentionDays: s.chatRetentionDays }),
  };
}
