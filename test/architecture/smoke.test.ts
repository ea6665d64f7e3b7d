import { runInDurableObject } from "cloudflare:test";
import { expect, it } from "vitest";
import { call } from "../helpers/api";
import { expectOk } from "../helpers/expect-api";
import { tenantObject } from "../helpers/storage";
import { userToken } from "../helpers/tokens";
import { addMember, createTenant, ingestAs, uniqueId } from "../helpers/world";

it("serves a job end to end: provision, ingest, list as a member with a real JWT, stored in the tenant's SQLite", async () => {
  const tenantId = await createTenant("smoke");
  const subject = uniqueId("disp");
  await addMember(tenantId, subject, "dispatcher");
  const token = await userToken(subject);
  await ingestAs(token, tenantId, {
    clients: [{ id: "C1", name: "Smoke Client" }],
    jobs: [{ id: "J1", clientId: "C1", title: "Smoke job", status: "scheduled" }],
  });

  const list = expectOk(await call<{ jobs: { id: string; title: string }[] }>("/v1/jobs", { token }));
  expect(list.jobs.map((j) => ({ id: j.id, title: j.title }))).toEqual([{ id: "J1", title: "Smoke job" }]);

  // The router's object for the tenant is the one named by its id, with SQLite storage.
  const stub = tenantObject(tenantId);
  expect(stub.id.name).toBe(tenantId);
  const rows = await runInDurableObject(stub, async (_i, state) =>
    state.storage.sql.exec<{ id: string; title: string }>("SELECT id, title FROM jobs").toArray(),
  );
  expect(rows).toEqual([{ id: "J1", title: "Smoke job" }]);
});
