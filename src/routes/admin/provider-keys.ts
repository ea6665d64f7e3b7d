import { OpenAPIHono } from "@hono/zod-openapi";
import { ProviderKeyList, ProviderKeyParams, ProviderKeyPut, ProviderKeyView } from "../../../schemas/provider-keys";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import { json, jsonBody, memberRoute } from "../shared";

/** `/v1/admin/provider-keys…`: the tenant's own LLM provider keys, stored encrypted, never shown (admin). */
export const providerKeyRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/provider-keys",
      operationId: "listProviderKeys",
      tags: ["admin"],
      summary: "Stored provider keys: provider, mask, fingerprint, KEK version, times; never the key (admin)",
      responses: { 200: json(ProviderKeyList, "Keys") },
    }),
    async (c) => c.json(await callTenant<ProviderKeyList>(c, (stub, caller) => stub.providerKeyList(caller), { idempotent: true }), 200),
  )
  .openapi(
    memberRoute({
      method: "put",
      path: "/v1/admin/provider-keys/{provider}",
      operationId: "putProviderKey",
      tags: ["admin"],
      summary: "Store (201) or replace (200) the tenant's key for a provider, encrypted with AES-GCM; the copilot uses it (admin)",
      request: { params: ProviderKeyParams, body: jsonBody(ProviderKeyPut) },
      responses: { 201: json(ProviderKeyView, "Stored"), 200: json(ProviderKeyView, "Replaced") },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const body = c.req.valid("json");
      const result = await callTenant<{ created: boolean; key: ProviderKeyView }>(
        c,
        (stub, caller) => stub.providerKeyPut(caller, provider, body),
        { idempotent: true },
      );
      return c.json(result.key, result.created ? 201 : 200);
    },
  )
  .openapi(
    memberRoute({
      method: "delete",
      path: "/v1/admin/provider-keys/{provider}",
      operationId: "deleteProviderKey",
      tags: ["admin"],
      summary: "Delete the tenant's key for a provider; the deployment's key is used again (admin)",
      request: { params: ProviderKeyParams },
      responses: { 204: { description: "Deleted" } },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      await callTenant(c, (stub, caller) => stub.providerKeyDelete(caller, provider), { idempotent: false });
      return c.body(null, 204);
    },
  );
