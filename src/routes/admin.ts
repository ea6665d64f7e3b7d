import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  AdminMemberCreate,
  AdminMemberPatch,
  MemberList,
  MemberSelector,
  SettingsPut,
  SettingsView,
  type MemberChangeOutcome,
} from "../../schemas/admin";
import { UserId } from "../../schemas/common";
import { Member } from "../../schemas/identity";
import type { AppEnv } from "../env";
import {
  callTenant,
  callerOf,
  invalidateMemberships,
  principalDirectory,
  registry,
  selectTenant,
  withRetry,
  type SelectedTenant,
} from "../tenancy/tenants";
import { BODY_PROBLEMS, json, jsonBody, PROBLEMS, SECURITY, TenantHeader } from "./shared";

/**
 * Tenant administration. The tenant's object decides (it is the authority on members and
 * settings); for member changes the router then brings the directory index in line, so the
 * member's next request is routed (or refused) accordingly.
 */
const MemberParams = z.object({ userId: UserId.openapi({ param: { name: "userId", in: "path" } }) });

/** Brings the directory index in line with a member change the tenant object made. */
async function reindexMember(c: Context<AppEnv>, selected: SelectedTenant, outcome: MemberChangeOutcome, removed: boolean): Promise<void> {
  const { issuer, subject, role } = outcome.member;
  const directory = principalDirectory(c.env, { issuer, subject });
  if (removed) {
    await withRetry(() => directory.removeMembership(selected.tenantId), true);
  } else if (outcome.previous === null || outcome.previous.role !== role) {
    const known = selected.memberships.find((m) => m.tenantId === selected.tenantId);
    const tenantName =
      known?.tenantName ?? (await withRetry(() => registry(c.env).getTenant(selected.tenantId), true))?.name ?? selected.tenantId;
    await withRetry(() => directory.putMembership({ tenantId: selected.tenantId, role, region: selected.region, tenantName }), true);
  }
  invalidateMemberships({ issuer, subject });
}

const memberChange = (c: Context<AppEnv>, subject: string, issuer: string | undefined) => ({
  subject,
  ...(issuer === undefined ? {} : { issuer }),
  defaultIssuer: c.get("config").defaultIssuer,
});

export const adminRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/members",
      tags: ["admin"],
      security: SECURITY,
      summary: "The tenant's members (admin, auditor)",
      request: { headers: TenantHeader },
      responses: { 200: json(MemberList, "Members"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<MemberList>(c, selected, (stub) => stub.adminMembers(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/v1/admin/members",
      tags: ["admin"],
      security: SECURITY,
      summary: "Add a member (admin); 409 when the identity is a member already",
      request: { headers: TenantHeader, body: jsonBody(AdminMemberCreate) },
      responses: {
        201: json(Member, "Added"),
        409: PROBLEMS[409],
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminAddMember(callerOf(c), body, c.get("config").defaultIssuer),
        false,
      );
      await reindexMember(c, selected, outcome, false);
      return c.json(outcome.member, 201);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/v1/admin/members/{userId}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Change a member's role, status or e-mail (admin); suspension and role changes close the member's sockets",
      request: { headers: TenantHeader, params: MemberParams, query: MemberSelector, body: jsonBody(AdminMemberPatch) },
      responses: {
        200: json(Member, "The member as changed"),
        409: PROBLEMS[409],
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const patch = c.req.valid("json");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminPatchMember(callerOf(c), memberChange(c, userId, issuer), patch),
        false,
      );
      await reindexMember(c, selected, outcome, false);
      return c.json(outcome.member, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/v1/admin/members/{userId}",
      tags: ["admin"],
      security: SECURITY,
      summary: "Remove a member (admin): refused from their next request on, sockets closed; never the last admin",
      request: { headers: TenantHeader, params: MemberParams, query: MemberSelector },
      responses: {
        204: { description: "Removed" },
        409: PROBLEMS[409],
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        404: PROBLEMS[404],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const { userId } = c.req.valid("param");
      const { issuer } = c.req.valid("query");
      const selected = await selectTenant(c);
      const outcome = await callTenant<MemberChangeOutcome>(
        c,
        selected,
        (stub) => stub.adminRemoveMember(callerOf(c), memberChange(c, userId, issuer)),
        false,
      );
      await reindexMember(c, selected, outcome, true);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/v1/admin/settings",
      tags: ["admin"],
      security: SECURITY,
      summary: "The tenant's settings in effect, and the platform's defaults and bounds (admin, auditor)",
      request: { headers: TenantHeader },
      responses: { 200: json(SettingsView, "Settings"), 401: PROBLEMS[401], 403: PROBLEMS[403], 429: PROBLEMS[429] },
    }),
    async (c) => {
      const selected = await selectTenant(c);
      return c.json(await callTenant<SettingsView>(c, selected, (stub) => stub.getSettings(callerOf(c)), true), 200);
    },
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/v1/admin/settings",
      tags: ["admin"],
      security: SECURITY,
      summary: "Replace the settings (admin): omitted fields fall back to the platform's defaults",
      request: { headers: TenantHeader, body: jsonBody(SettingsPut) },
      responses: {
        200: json(SettingsView, "Settings in effect"),
        ...BODY_PROBLEMS,
        401: PROBLEMS[401],
        403: PROBLEMS[403],
        422: PROBLEMS[422],
        429: PROBLEMS[429],
      },
    }),
    async (c) => {
      const body = c.req.valid("json");
      const selected = await selectTenant(c);
      return c.json(await callTenant<SettingsView>(c, selected, (stub) => stub.putSettings(callerOf(c), body), true), 200);
    },
  );
