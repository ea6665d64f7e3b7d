import { OpenAPIHono } from "@hono/zod-openapi";
import type { Tagged } from "../../../schemas/preconditions";
import { SettingsPut, SettingsView } from "../../../schemas/settings";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import {
  ConditionalHeaders,
  conditionalRead,
  NOT_MODIFIED,
  preconditionsOf,
  taggedJson,
  taggedResponse,
  unconditional,
} from "../conditional";
import { jsonBody, memberRoute, PROBLEMS } from "../shared";

/** `/v1/admin/settings`: the tenant's settings; PUT accepts what GET returns (the read-only `platform` part unchanged). */
export const settingsRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/settings",
      operationId: "getSettings",
      tags: ["admin"],
      summary: "The tenant's settings in effect, and the platform's defaults and bounds (admin, auditor)",
      request: { headers: ConditionalHeaders },
      responses: { 200: taggedJson(SettingsView, "Settings"), 304: NOT_MODIFIED, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const view = await callTenant<Tagged<SettingsView>>(c, (stub, caller) => stub.getSettings(caller), { idempotent: true });
      return conditionalRead(c, view, "the settings");
    },
  )
  .openapi(
    memberRoute({
      method: "put",
      path: "/v1/admin/settings",
      operationId: "putSettings",
      tags: ["admin"],
      summary: "Replace the settings (admin): omitted fields fall back to the platform's defaults; `platform` is read-only",
      request: { headers: ConditionalHeaders, body: jsonBody(SettingsPut) },
      responses: { 200: taggedJson(SettingsView, "Settings in effect"), 412: PROBLEMS[412] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const pre = preconditionsOf(c);
      const view = await callTenant<Tagged<SettingsView>>(c, (stub, caller) => stub.putSettings(caller, body, pre), {
        idempotent: unconditional(pre),
      });
      return taggedResponse(c, view, 200);
    },
  );
