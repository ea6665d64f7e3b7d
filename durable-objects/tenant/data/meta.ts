import { z } from "@hono/zod-openapi";
import { Region, TenantId } from "../../../schemas/common";
import { TenantStatus } from "../../../schemas/tenants";
import { memoParse, parseStoredJson, type Db } from "./db";

/** The tenant's own record of who it is; absent until the platform provisions the object. */
export const TenantMeta = z.object({
  id: TenantId,
  name: z.string(),
  region: Region,
  status: TenantStatus,
  createdAt: z.string(),
});
export type TenantMeta = z.infer<typeof TenantMeta>;

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
