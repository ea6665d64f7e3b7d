import type { SettingsPut, SettingsView } from "../../schemas/settings";
import { WINDOW_SECONDS } from "../../durable-objects/tenant/data/rate-limits";
import { call } from "./api";
import { expectOk } from "./expect-api";

/**
 * Tenant settings through the public API (`PUT /v1/admin/settings` as the tenant's admin). The
 * PUT is a tenant call like any other: it costs the admin and the tenant one request each in the
 * current rate window.
 */
export async function putSettings(adminToken: string, tenantId: string, body: SettingsPut): Promise<SettingsView> {
  return expectOk(await call<SettingsView>("/v1/admin/settings", { method: "PUT", token: adminToken, tenant: tenantId, body }));
}

/**
 * Rate counters are fixed windows aligned to the epoch minute. Waits, when fewer than `seconds`
 * are left in the current window, for the next one to begin, so that a test's calls fall into one
 * window and the statuses it expects can be exact.
 */
export async function untilRateWindowHasRoom(seconds = 10): Promise<void> {
  const windowMs = WINDOW_SECONDS * 1000;
  const leftMs = windowMs - (Date.now() % windowMs);
  if (leftMs >= seconds * 1000) return;
  await new Promise((resolve) => setTimeout(resolve, leftMs + 50));
}
