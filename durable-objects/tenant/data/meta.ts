import { z } from "@hono/zod-openapi";
import { Region, TenantId } from "../../../schemas/common";
import { TenantStatus } from "../../../schemas/tenants";
import { parseStoredJson, type Db } from "./db";

/** The tenant's own record of who it is; absent until the platform provisions the object. */
export const TenantMeta = z.object({
  id: TenantId,
  name: z.string(),
  region: Region,
  status: TenantStatus,
  createdAt: z.string(),
});
export type TenantMeta = z.infer<typeof TenantMeta>;

/**
 * Every tenant call reads the tenant record and settings; parsing them is what costs, not the
 * indexed read. Parsing is memoised on the stored text itself, so a change made by anyone (this
 * object, a test, an import) is seen on the very next read.
 */
function memoParse<T>(parse: (text: string) => T): (text: string) => T {
  let last: { text: string; value: T } | undefined;
  return (text) => {
    if (last?.text !== text) last = { text, value: parse(text) };
    return last.value;
  };
}
const parseMeta = memoParse((text) => parseStoredJson(TenantMeta, text));

export const tenantMeta = {
  get(db: Db): TenantMeta | null {
    const row = db.one<{ value: string }>(`SELECT value FROM tenant_meta WHERE key = 'tenant'`);
    return row ? (parseMeta(row.value) ?? null) : null;
  },
  put(db: Db, meta: TenantMeta): void {
    db.run(
      `INSERT INTO tenant_meta (key, value) VALUES ('tenant', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      JSON.stringify(meta),
    );
  },
};

/** Per-tenant settings (the admin API edits them later); absent keys fall back to platform defaults. */
export const TenantSettings = z.object({
  rateLimits: z.object({ tenantPerMinute: z.number().int().positive(), userPerMinute: z.number().int().positive() }).partial().optional(),
  /** `metadata-only`: copilot questions and answers are not stored, only their metadata. */
  dataMode: z.enum(["full", "metadata-only"]).optional(),
  chatRetentionDays: z.number().int().positive().optional(),
});
export type TenantSettings = z.infer<typeof TenantSettings>;

const parseSettings = memoParse((text) => parseStoredJson(TenantSettings, text));

export const settings = {
  get(db: Db): TenantSettings {
    const row = db.one<{ value: string }>(`SELECT value FROM settings WHERE key = 'settings'`);
    return (row ? parseSettings(row.value) : undefined) ?? {};
  },
  put(db: Db, value: TenantSettings): void {
    db.run(
      `INSERT INTO settings (key, value) VALUES ('settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value`,
      JSON.stringify(value),
    );
  },
};
