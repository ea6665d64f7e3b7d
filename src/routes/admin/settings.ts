import { OpenAPIHono } from "@hono/zod-openapi";
import { SettingsPut, SettingsView } from "../../../schemas/settings";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import { json, jsonBody, memberRoute } from "../shared";

/** `/v1/admin/settings`: the tenant's settings; PUT accepts what GET returns (the read-only `platform` part unchanged). */
export const settingsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/settings",
      operationId: "getSettings",
      tags: ["admin"],
      summary: "The tenant's settings in effect, and the platform's defaults and bounds (admin, auditor)",
      responses: { 200: json(SettingsView, "Settings") },
    }),
    async (c) => c.json(await callTenant<SettingsView>(c, (stub, caller) => stub.getSettings(caller), { idempotent: true }), 200),
  )
  .openapi(
    memberRoute({
      method: "put",
      path: "/v1/admin/settings",
      operationId: "putSettings",
      tags: ["admin"],
      summary: "Replace the settings (admin): omitted fields fall back to the platform's defaults; `platform` is read-only",
      request: { body: jsonBody(SettingsPut) },
      responses: { 200: json(SettingsView, "Settings in effect") },
    }),
    async (c) => {
      const body = c.req.valid("json");
      return c.json(await callTenant<SettingsView>(c, (stub, caller) => stub.putSettings(caller, body), { idempotent: true }), 200);
    },
  );
