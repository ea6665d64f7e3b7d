import { OpenAPIHono } from "@hono/zod-openapi";
import type { Tagged } from "../../../schemas/preconditions";
import { ProviderKeyList, ProviderKeyParams, ProviderKeyPut, ProviderKeyView } from "../../../schemas/provider-keys";
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
import { json, jsonBody, memberRoute, PROBLEMS } from "../shared";

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
      method: "get",
      path: "/v1/admin/provider-keys/{provider}",
      operationId: "getProviderKey",
      tags: ["admin"],
      summary: "The tenant's key for a provider as shown (mask, fingerprint, KEK version, times), with its ETag; 404 when none (admin)",
      request: { params: ProviderKeyParams, headers: ConditionalHeaders },
      responses: { 200: taggedJson(ProviderKeyView, "The stored key, as shown"), 304: NOT_MODIFIED, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const key = await callTenant<Tagged<ProviderKeyView>>(c, (stub, caller) => stub.providerKeyGet(caller, provider), {
        idempotent: true,
      });
      return conditionalRead(c, key, `the ${provider} key`);
    },
  )
  .openapi(
    memberRoute({
      method: "put",
      path: "/v1/admin/provider-keys/{provider}",
      operationId: "putProviderKey",
      tags: ["admin"],
      summary: "Store (201) or replace (200) the tenant's key for a provider, encrypted with AES-GCM; the copilot uses it (admin)",
      request: { params: ProviderKeyParams, headers: ConditionalHeaders, body: jsonBody(ProviderKeyPut) },
      responses: { 201: taggedJson(ProviderKeyView, "Stored"), 200: taggedJson(ProviderKeyView, "Replaced"), 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const body = c.req.valid("json");
      const pre = preconditionsOf(c);
      const result = await callTenant<{ created: boolean; key: ProviderKeyView; etag: string }>(
        c,
        (stub, caller) => stub.providerKeyPut(caller, provider, body, pre),
        { idempotent: unconditional(pre) },
      );
      return taggedResponse(c, { value: result.key, etag: result.etag }, result.created ? 201 : 200);
    },
  )
  .openapi(
    memberRoute({
      method: "delete",
      path: "/v1/admin/provider-keys/{provider}",
      operationId: "deleteProviderKey",
      tags: ["admin"],
      summary: "Delete the tenant's key for a provider; the deployment's key is used again (admin)",
      request: { params: ProviderKeyParams, headers: ConditionalHeaders },
      responses: { 204: { description: "Deleted" }, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { provider } = c.req.valid("param");
      const pre = preconditionsOf(c);
      await callTenant(c, (stub, caller) => stub.providerKeyDelete(caller, provider, pre), { idempotent: false });
      return c.body(null, 204);
    },
  );
