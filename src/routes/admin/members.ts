import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { AdminMemberCreate, AdminMemberPatch, MemberList, MemberSelector, type MemberChangeOutcome } from "../../../schemas/admin";
import { UserId } from "../../../schemas/common";
import { Member } from "../../../schemas/identity";
import type { Tagged } from "../../../schemas/preconditions";
import type { AppEnv } from "../../env";
import { callTenant, selectedTenant, selectedTenantName } from "../../tenancy/call";
import { listMembership, unlistMembership } from "../../tenancy/directory";
import { ConditionalHeaders, conditionalRead, NOT_MODIFIED, preconditionsOf, taggedJson, taggedResponse } from "../conditional";
import { json, jsonBody, memberRoute, PROBLEMS } from "../shared";

/**
 * `/v1/admin/members…`: the tenant's members. The tenant's object decides (it is the authority on
 * members); the router then brings the directory index in line, so the member's next request is
 * routed (or refused) accordingly.
 */
// The example is the member POST /v1/admin/members's example adds, not a demo member: these operations change and remove.
const MemberParams = z.object({ userId: UserId.openapi({ param: { name: "userId", in: "path" }, example: "erin.tech" }) });

/** Brings the directory index in line with a member change the tenant object made. */
async function reindexMember(c: Context<AppEnv>, outcome: MemberChangeOutcome, removed: boolean): Promise<void> {
  const { issuer, subject, role } = outcome.member;
  const { tenantId, region } = await selectedTenant(c);
  if (removed) await unlistMembership(c.env, { issuer, subject }, tenantId);
  else if (outcome.previous === null || outcome.previous.role !== role) {
    await listMembership(c.env, { issuer, subject }, { tenantId, role, region, tenantName: await selectedTenantName(c) });
  }
}

const memberChange = (c: Context<AppEnv>, subject: string, issuer: string | undefined) => ({
  subject,
  ...(issuer === undefined ? {} : { issuer }),
  defaultIssuer: c.get("config").defaultIssuer,
});

export const memberRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/members",
      operationId: "listMembers",
      tags: ["admin"],
      summary: "The tenant's members (admin, auditor)",
      responses: { 200: json(MemberList, "Members") },
    }),
    async (c) => c.json(await callTenant<MemberList>(c, (stub, caller) => stub.adminMembers(caller), { idempotent: true }), 200),
  )
  .openapi(
    memberRoute({
      method: "post",
      path: "/v1/admin/members",
      operationId: "addMember",
      tags: ["admin"],
      summary: "Add a member (admin); 409 when the identity is a member already",
      request: { body: jsonBody(AdminMemberCreate) },
      responses: { 201: json(Member, "Added"), 409: PROBLEMS[409] },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const defaultIssuer = c.get("config").defaultIssuer;
      const outcome = await callTenant<MemberChangeOutcome>(c, (stub, caller) => stub.adminAddMember(caller, body, defaultIssuer), {
        idempotent: false,
      });
      await reindexMember(c, outcome, false);
      return c.json(outcome.member, 201);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/members/{userId}",
      operationId: "getMember",
      tags: ["admin"],
      summary: "One member, with its ETag (admin, auditor); 304 when If-None-Match matches",
      request: { params: MemberParams, query: MemberSelector, headers: ConditionalHeaders },
      responses: { 200: taggedJson(Member, "The member"), 304: NOT_MODIFIED, 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const change = memberChange(c, userId, issuer);
      const member = await callTenant<Tagged<Member>>(c, (stub, caller) => stub.adminMember(caller, change), { idempotent: true });
      return conditionalRead(c, member, `member ${userId}`);
    },
  )
  .openapi(
    memberRoute({
      method: "patch",
      path: "/v1/admin/members/{userId}",
      operationId: "patchMember",
      tags: ["admin"],
      summary: "Change a member's role, status or e-mail (admin); suspension and role changes close the member's sockets",
      request: { params: MemberParams, query: MemberSelector, headers: ConditionalHeaders, body: jsonBody(AdminMemberPatch) },
      responses: { 200: taggedJson(Member, "The member as changed"), 409: PROBLEMS[409], 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const patch = c.req.valid("json");
      const change = memberChange(c, userId, issuer);
      const pre = preconditionsOf(c);
      const outcome = await callTenant<MemberChangeOutcome & { etag: string }>(
        c,
        (stub, caller) => stub.adminPatchMember(caller, change, patch, pre),
        { idempotent: false },
      );
      await reindexMember(c, outcome, false);
      return taggedResponse(c, { value: outcome.member, etag: outcome.etag }, 200);
    },
  )
  .openapi(
    memberRoute({
      method: "delete",
      path: "/v1/admin/members/{userId}",
      operationId: "removeMember",
      tags: ["admin"],
      summary: "Remove a member (admin): refused from their next request on, sockets closed; never the last admin",
      request: { params: MemberParams, query: MemberSelector, headers: ConditionalHeaders },
      responses: { 204: { description: "Removed" }, 409: PROBLEMS[409], 412: PROBLEMS[412] },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const change = memberChange(c, userId, issuer);
      const pre = preconditionsOf(c);
      const outcome = await callTenant<MemberChangeOutcome>(c, (stub, caller) => stub.adminRemoveMember(caller, change, pre), {
        idempotent: false,
      });
      await reindexMember(c, outcome, true);
      return c.body(null, 204);
    },
  );
