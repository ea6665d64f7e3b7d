import { z } from "@hono/zod-openapi";

/**
 * A tenant's settings: what GET /v1/admin/settings answers, what PUT takes, and what the tenant
 * object stores. PUT accepts exactly what GET returns: the `platform` part is read-only and
 * accepted when it is unchanged.
 */
export const DataMode = z.enum(["full", "metadata-only"]);
export type DataMode = z.infer<typeof DataMode>;

/**
 * A per-minute limit. 10,000,000 is the highest bound any deployment can configure
 * (`RATE_LIMIT_*_PER_MINUTE_MAX`, src/config.ts); the bound in force is the deployment's, shown by
 * GET as `platform.maxTenantPerMinute` / `platform.maxUserPerMinute` (60,000 / 6,000 by default),
 * and a value above it is a 422. The schema states the fixed part and describes the rest.
 */
const PerMinute = (bound: "maxTenantPerMinute" | "maxUserPerMinute", byDefault: string) =>
  z
    .number()
    .int()
    .min(1)
    .max(10_000_000)
    .openapi({
      description: `At most the deployment's \`platform.${bound}\` (GET /v1/admin/settings; ${byDefault} unless configured otherwise); above it: 422.`,
    });

/** What the platform allows: the defaults an omitted field falls back to, and the bounds. */
export const PlatformBounds = z.object({
  tenantPerMinute: z.number().int(),
  userPerMinute: z.number().int(),
  maxTenantPerMinute: z.number().int(),
  maxUserPerMinute: z.number().int(),
});
export type PlatformBounds = z.infer<typeof PlatformBounds>;

/**
 * PUT replaces the stored settings: an omitted field falls back to the platform default. Rate
 * limits may lower the platform defaults or raise them up to the platform's bounds.
 */
export const SettingsPut = z
  .strictObject({
    dataMode: DataMode.optional(),
    rateLimits: z
      .strictObject({
        tenantPerMinute: PerMinute("maxTenantPerMinute", "60,000").optional(),
        userPerMinute: PerMinute("maxUserPerMinute", "6,000").optional(),
      })
      .optional(),
    /** Chat threads idle longer than this are purged by a background task; null keeps them. */
    chatRetentionDays: z.number().int().min(1).max(3650).nullable().optional(),
    /** Read-only (as GET returns it): accepted when it equals the platform's, refused when it differs. */
    platform: PlatformBounds.strict().optional().openapi({ readOnly: true }),
  })
  .openapi("SettingsPut", {
    example: { dataMode: "full", rateLimits: { tenantPerMinute: 6_000, userPerMinute: 600 }, chatRetentionDays: 90 },
  });
export type SettingsPut = z.infer<typeof SettingsPut>;

export const SettingsView = z
  .object({
    dataMode: DataMode,
    rateLimits: z.object({ tenantPerMinute: z.number().int(), userPerMinute: z.number().int() }),
    chatRetentionDays: z.number().int().nullable(),
    platform: PlatformBounds,
  })
  .openapi("Settings");
export type SettingsView = z.infer<typeof SettingsView>;

/** The settings as the tenant object stores them: only what an admin set; absent keys fall back to the platform. */
export const StoredSettings = z.object({
  rateLimits: z.object({ tenantPerMinute: z.number().int().positive(), userPerMinute: z.number().int().positive() }).partial().optional(),
  /** `metadata-only`: copilot questions and answers are not stored, only their metadata. */
  dataMode: DataMode.optional(),
  chatRetentionDays: z.number().int().positive().optional(),
});
export type StoredSettings = z.infer<typeof StoredSettings>;
