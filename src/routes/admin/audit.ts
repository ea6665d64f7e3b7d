import { OpenAPIHono } from "@hono/zod-openapi";
import { registry } from "../../../durable-objects/directory/stubs";
import { AuditPage, AuditQuery, AuditVerification, AuditVerifyQuery } from "../../../schemas/audit";
import type { AppEnv } from "../../env";
import { callTenant, selectedTenant } from "../../tenancy/call";
import { withRetry } from "../../tenancy/retry";
import { json, memberRoute } from "../shared";

/** `/v1/admin/audit…`: the tenant's audit log (admin, auditor) and the verification of its hash chain. */
export const auditRoutes = new OpenAPIHono<AppEnv>()
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/audit",
      operationId: "listAuditEntries",
      tags: ["admin"],
      summary: "Audit log page (admin, auditor)",
      request: { query: AuditQuery },
      responses: { 200: json(AuditPage, "Entries after `after`") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      return c.json(await callTenant<AuditPage>(c, (stub, caller) => stub.auditPage(caller, query), { idempotent: true }), 200);
    },
  )
  .openapi(
    memberRoute({
      method: "get",
      path: "/v1/admin/audit/verify",
      operationId: "verifyAuditLog",
      tags: ["admin"],
      summary: "Verify the audit hash chain (admin, auditor), up to 5,000 entries per call from `from`; continue with `nextFrom`",
      request: { query: AuditVerifyQuery },
      responses: { 200: json(AuditVerification, "Verification result") },
    }),
    async (c) => {
      const query = c.req.valid("query");
      const { tenantId } = await selectedTenant(c);
      // The head anchored outside the tenant's object: a rewrite inside the object cannot match it.
      const anchor = await withRetry(() => registry(c.env).auditAnchor(tenantId), true);
      const verification = await callTenant<AuditVerification>(c, (stub, caller) => stub.auditVerify(caller, query, anchor), {
        idempotent: true,
      });
      return c.json(verification, 200);
    },
  );
