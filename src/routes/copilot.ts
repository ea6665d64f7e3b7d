import { OpenAPIHono } from "@hono/zod-openapi";
import { CopilotAnswer, CopilotAsk, ThreadDetail, ThreadList, ThreadParams } from "../../schemas/copilot";
import type { AppEnv } from "../env";
import { callTenant } from "../tenancy/call";
import { json, jsonBody, memberRoute, PROBLEMS } from "./shared";

/** `/v1/copilot…`: the copilot over REST (the WebSocket channel streams the same answers) and the caller's own threads. */
export const copilotRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/copilot/ask",
      operationId: "askCopilot",
      tags: ["copilot"],
      summary: "Ask the copilot: an answer grounded in records the caller may read, with verbatim citations",
      request: { body: jsonBody(CopilotAsk) },
      responses: {
        200: json(CopilotAnswer, "The answer; `grounded: false` (no citations) when no readable record supports one"),
        404: PROBLEMS[404],
      },
    }),
    async (c) => {
      const ask = c.req.valid("json");
      return c.json(await callTenant<CopilotAnswer>(c, (stub, caller) => stub.ask(caller, ask), { idempotent: false }), 200);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/copilot/threads",
      operationId: "listCopilotThreads",
      tags: ["copilot"],
      summary: "The caller's own copilot threads, newest first",
      responses: { 200: json(ThreadList, "Threads") },
    }),
    async (c) => c.json(await callTenant<ThreadList>(c, (stub, caller) => stub.threads(caller), { idempotent: true }), 200),
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/copilot/threads/{id}",
      operationId: "getCopilotThread",
      tags: ["copilot"],
      summary: "One of the caller's threads with its messages (content null in metadata-only mode)",
      request: { params: ThreadParams },
      responses: { 200: json(ThreadDetail, "The thread") },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      return c.json(await callTenant<ThreadDetail>(c, (stub, caller) => stub.thread(caller, id), { idempotent: true }), 200);
    },
  );
