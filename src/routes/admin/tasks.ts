import { OpenAPIHono } from "@hono/zod-openapi";
import { IndexCoverage, Task, TaskParams } from "../../../schemas/admin";
import type { AppEnv } from "../../env";
import { callTenant } from "../../tenancy/call";
import { json, memberRoute } from "../shared";

/** `/v1/admin/reindex`, `/v1/admin/tasks/{id}`, `/v1/admin/index/coverage`: background work and the index it keeps. */
export const taskRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/admin/reindex",
      operationId: "startReindex",
      tags: ["admin"],
      summary: "Rebuild the full-text index in the background (202 with the task; follow it at /v1/admin/tasks/{id}) (admin)",
      responses: { 202: json(Task, "Queued (or the reindex already waiting)") },
    }),
    async (c) => {
      const task = await callTenant<Task>(c, (stub, caller) => stub.requestReindex(caller), { idempotent: false });
      c.header("location", `/v1/admin/tasks/${task.id}`);
      return c.json(task, 202);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/tasks/{id}",
      operationId: "getTask",
      tags: ["admin"],
      summary: "A background task and its progress (admin, auditor)",
      request: { params: TaskParams },
      responses: { 200: json(Task, "The task") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await callTenant<Task>(c, (stub, caller) => stub.task(caller, id), { idempotent: true }), 200);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/index/coverage",
      operationId: "getIndexCoverage",
      tags: ["admin"],
      summary: "Records and full-text index rows per kind, and recent background tasks (admin, auditor)",
      responses: { 200: json(IndexCoverage, "Coverage") },
    }),
    async (c) => c.json(await callTenant<IndexCoverage>(c, (stub, caller) => stub.indexCoverage(caller), { idempotent: true }), 200),
  );
