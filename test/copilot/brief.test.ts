import { describe, expect, it } from "vitest";
import { chunkDocument } from "../../durable-objects/knowledge/chunk";
import { toPlainText } from "../../durable-objects/tenant/sanitize";
import { demoLibrary, demoTenantDocuments } from "../../scripts/demo-library.mjs";
import { BRIEF_EMPTY, BRIEF_SECTIONS, JobBrief } from "../../schemas/brief";
import type { IngestBody } from "../../schemas/ingest";
import { call } from "../helpers/api";
import { demoTenant, loadDemoTenant, visibleRefs, type DemoTenant, type DemoTenantId } from "../helpers/demo";
import { putSettings, untilRateWindowHasRoom } from "../helpers/settings";
import { userToken } from "../helpers/tokens";
import { addMember, ingestAs, tenantWithCast, type Cast } from "../helpers/world";
import { bindLibrary, uploadLibraryDocument, uploadTenantDocument } from "../search/knowledge-world";

/** The demo's manuals (library and both tenants' documents), chunked as the upload chunks them. */
const manualChunks = [...demoLibrary(), ...Object.values(demoTenantDocuments()).flat()].flatMap((d) =>
  chunkDocument(d.text, d.format).map((c) => ({ docId: d.id, id: c.id, text: c.text })),
);

/**
 * The texts a quote of `ref` may come from, read from the demo's own records (as stored: notes
 * reduced to plain text) and, for `kb:`/`doc:` refs, the demo's manuals (the library's and the
 * tenant's own documents; a test that uses a document of another tenant is caught by its own check).
 */
function recordTexts(demo: DemoTenant, ref: string): string[] {
  const chunk = /^(?:kb:([a-z0-9-]+)@\d+|doc:([a-z0-9-]+))#([a-z0-9]+)$/.exec(ref);
  if (chunk) {
    const docs = ref.startsWith("doc:") ? demoTenantDocuments()[demo.id as DemoTenantId].map((d) => d.id) : demoLibrary().map((d) => d.id);
    const docId = chunk[1] ?? chunk[2] ?? "";
    return docs.includes(docId) ? manualChunks.filter((c) => c.docId === docId && c.id === chunk[3]).map((c) => c.text) : [];
  }
  const [kind, id] = ref.split(/:(.*)/s) as [string, string];
  const d = demo.data;
  if (kind === "note") return d.notes.filter((n) => n.id === id).map((n) => toPlainText(n.body));
  if (kind === "event")
    return d.events.filter((e) => e.id === id).map((e) => (e.data ? `${e.type}\n${JSON.stringify(e.data)}` : `${e.type}\n`));
  if (kind === "client") return d.clients.filter((c) => c.id === id).flatMap((c) => [c.name, c.email ?? "", c.phone ?? ""]);
  if (kind === "property") return d.properties.filter((p) => p.id === id).flatMap((p) => [p.address, p.label ?? ""]);
  const times = (t?: string) => (t ? [t, new Date(t).toISOString()] : []);
  return d.jobs
    .filter((j) => j.id === id)
    .flatMap((j) => [j.title, j.description ?? "", j.status, j.priority ?? "normal", ...times(j.scheduledStart), ...times(j.scheduledEnd)]);
}

type Brief = ReturnType<typeof JobBrief.parse>;

/** The brief's invariants: its shape, sections in order, every sentence of a non-empty section cited with a verbatim quote. */
function expectWellFormed(brief: Brief, texts: (ref: string) => string[]): void {
  expect(JobBrief.safeParse(brief).success).toBe(true);
  expect(brief.sections.map((s) => s.key)).toEqual([...BRIEF_SECTIONS]);
  for (const s of brief.sections) {
    if (s.empty) {
      expect(s.sentences).toEqual([{ text: BRIEF_EMPTY[s.key], citation: null }]);
      continue;
    }
    for (const sentence of s.sentences) {
      expect(sentence.citation, sentence.text).not.toBeNull();
      const quote = sentence.citation?.quote ?? "\u0000";
      expect(sentence.text, s.key).toContain(`“${quote}”`);
      expect(
        texts(sentence.citation?.ref ?? "").some((t) => t.includes(quote)),
        `${sentence.citation?.ref}: ${quote}`,
      ).toBe(true);
    }
  }
  const lines = brief.sections.flatMap((s) => [s.title, ...s.sentences.map((x) => x.text)]);
  expect(brief.text.split("\n").filter((l) => l !== "")).toEqual(lines);
  expect(brief.grounded).toBe(true);
  expect(brief.confidence).toBeGreaterThan(0);
  expect(brief.confidence).toBeLessThanOrEqual(1);
}

const refsOf = (brief: Brief, key: string) =>
  (brief.sections.find((s) => s.key === key)?.sentences ?? []).flatMap((s) => (s.citation ? [s.citation.ref] : []));

describe("the pre-arrival brief on the demo data", () => {
  it("briefs ana.tech on J-3034 from records she may read, every sentence cited verbatim, the same every time", async () => {
    const { cast, demo } = await loadDemoTenant("acme-hvac");
    await addMember(cast.tenantId, "ana.tech", "technician");
    const ana = await userToken("ana.tech");
    const res = await call<Brief>("/v1/jobs/J-3034/brief", { token: ana, tenant: cast.tenantId });
    expect(res.status).toBe(200);
    const brief = res.body;
    expectWellFormed(brief, (ref) => recordTexts(demo, ref));
    const visible = visibleRefs(demo, "ana.tech");
    for (const c of brief.citations) expect(visible, c.ref).toContain(c.ref);
    expect(refsOf(brief, "job")).toContain("job:J-3034");
    expect(refsOf(brief, "access")).toContain("note:N-4214");
    expect(refsOf(brief, "safety")).toContain("note:N-4023");
    expect(refsOf(brief, "followUps")).toEqual(expect.arrayContaining(["event:E-5127", "job:J-3042", "note:N-4193"]));
    expect(refsOf(brief, "preferences")).toEqual(expect.arrayContaining(["client:C-1001", "note:N-4001"]));
    // Earlier visits newest first: J-3014 (16 Oct) before J-3006 (6 Oct); J-3016 and J-3028 are other technicians'.
    const visits = refsOf(brief, "history").filter((r) => r.startsWith("job:"));
    expect(visits).toEqual(["job:J-3014", "job:J-3006"]);
    expect(res.text).not.toMatch(/J-3016|J-3028|N-412\d|N-417\d/);
    // A dispatcher sees every visit at the property.
    const dispatcher = await call<Brief>("/v1/jobs/J-3034/brief", { token: cast.dispatcher, tenant: cast.tenantId });
    expectWellFormed(dispatcher.body, (ref) => recordTexts(demo, ref));
    expect(refsOf(dispatcher.body, "history")).toEqual(expect.arrayContaining(["job:J-3028", "job:J-3016"]));
    // Deterministic: the same records give the same brief.
    const again = await call<Brief>("/v1/jobs/J-3034/brief", { token: ana, tenant: cast.tenantId });
    expect({ ...again.body, usage: null }).toEqual({ ...brief, usage: null });
    expect(brief.usage).toMatchObject({ provider: "extractive", model: null, degraded: false });
  });

  it("is documented with an example that is itself a valid brief of J-3034", async () => {
    const doc = await call("/v1/openapi.json");
    expect(doc.body.paths["/v1/jobs/{id}/brief"].get.operationId).toBe("getJobBrief");
    const example = doc.body.components.schemas.JobBrief.example;
    expect(JobBrief.safeParse(example).success).toBe(true);
    expectWellFormed(example, (ref) => recordTexts(demoTenant("acme-hvac"), ref));
  });

  it("holds for every job of both demo tenants, as a dispatcher", async () => {
    for (const tenant of ["acme-hvac", "northwind-plumbing"] as const) {
      const { cast, demo } = await loadDemoTenant(tenant);
      for (const job of demo.data.jobs) {
        const res = await call<Brief>(`/v1/jobs/${job.id}/brief`, { token: cast.dispatcher, tenant: cast.tenantId });
        expect(res.status, `${tenant} ${job.id}`).toBe(200);
        expectWellFormed(res.body, (ref) => recordTexts(demo, ref));
      }
    }
  });
});

describe("the brief's Manuals section", () => {
  it("quotes the manuals of the job's equipment, cited kb: and doc: with verbatim quotes, and never another tenant's documents", async () => {
    const { cast, demo } = await loadDemoTenant("acme-hvac");
    for (const doc of demoLibrary()) await uploadLibraryDocument(doc);
    for (const doc of demoTenantDocuments()["acme-hvac"]) await uploadTenantDocument(cast.admin, cast.tenantId, doc);
    const other = await loadDemoTenant("northwind-plumbing");
    for (const doc of demoTenantDocuments()["northwind-plumbing"]) await uploadTenantDocument(other.cast.admin, other.cast.tenantId, doc);

    // J-3034: "RTU-2 down again - contactor pitted again": the rooftop unit manual's short-cycling section.
    const res = await call<Brief>("/v1/jobs/J-3034/brief", { token: cast.dispatcher, tenant: cast.tenantId });
    expect(res.status).toBe(200);
    expectWellFormed(res.body, (ref) => recordTexts(demo, ref));
    const manuals = res.body.sections.find((s) => s.key === "manuals");
    expect(manuals?.empty).toBe(false);
    expect(refsOf(res.body, "manuals")).toContain("kb:rtu-service-manual@1#095f2623a2f7");
    for (const sentence of manuals?.sentences ?? []) {
      expect(sentence.citation?.kind).toMatch(/^(library|document)$/);
      expect(sentence.citation?.ref).toMatch(/^(kb:[a-z0-9-]+@\d+|doc:rooftop-access)#[a-z0-9]+$/);
    }
    expect(res.body.citations.map((c) => c.ref)).toContain("kb:rtu-service-manual@1#095f2623a2f7");
    // The same brief every time.
    const again = await call<Brief>("/v1/jobs/J-3034/brief", { token: cast.dispatcher, tenant: cast.tenantId });
    expect(again.body.sections).toEqual(res.body.sections);

    // Every job of both tenants: well formed, manuals from the library or the tenant's own documents only.
    for (const [tenant, c, d] of [
      ["acme-hvac", cast, demo],
      ["northwind-plumbing", other.cast, other.demo],
    ] as const) {
      const own = demoTenantDocuments()[tenant].map((x) => x.id);
      let quoted = 0;
      for (const job of d.data.jobs) {
        const brief = await call<Brief>(`/v1/jobs/${job.id}/brief`, { token: c.dispatcher, tenant: c.tenantId });
        expect(brief.status, `${tenant} ${job.id}`).toBe(200);
        expectWellFormed(brief.body, (ref) => recordTexts(d, ref));
        for (const ref of refsOf(brief.body, "manuals")) {
          quoted++;
          if (ref.startsWith("doc:")) expect(own, `${tenant} ${job.id} ${ref}`).toContain(ref.slice(4, ref.indexOf("#")));
        }
      }
      expect(quoted, tenant).toBeGreaterThan(0);
    }
  });

  it("states the section empty when no manual covers the job, and falls back to the documents when the library fails", async () => {
    const cast = await tenantWithCast("manual");
    await ingestAs(cast.dispatcher, cast.tenantId, {
      clients: [{ id: "C1", name: "Fence Owner" }],
      jobs: [
        {
          id: "J1",
          clientId: "C1",
          title: "Paint the fence",
          description: "Two coats, white.",
          status: "scheduled",
          assignees: [cast.subjects.technician],
        },
        {
          id: "J2",
          clientId: "C1",
          title: "Walk-in freezer defrost heater",
          description: "Defrost heater open circuit.",
          status: "scheduled",
          assignees: [],
        },
      ],
    });
    const w = `zq${crypto.randomUUID().replace(/-/g, "").slice(0, 8)}`;
    await uploadLibraryDocument({
      id: `freezer-${w}`,
      title: "Walk-in freezer manual",
      format: "markdown",
      text: `# Walk-in freezer manual\n\n## Defrost heater\n\nA defrost heater with an open circuit reads infinite ohms; replace it (${w}).\n`,
    });
    await uploadTenantDocument(cast.admin, cast.tenantId, {
      id: "freezer-rules",
      title: "Freezer rules",
      format: "markdown",
      text: `# Freezer rules\n\n## Defrost heater\n\nLog every defrost heater replacement on the job; the heater stays on the van.\n`,
    });
    const fence = await call<Brief>("/v1/jobs/J1/brief", { token: cast.technician, tenant: cast.tenantId });
    expect(fence.status).toBe(200);
    expect(fence.body.sections.find((s) => s.key === "manuals")).toEqual({
      key: "manuals",
      title: "Manuals",
      empty: true,
      sentences: [{ text: BRIEF_EMPTY.manuals, citation: null }],
    });
    const freezer = await call<Brief>("/v1/jobs/J2/brief", { token: cast.dispatcher, tenant: cast.tenantId });
    const refs = refsOf(freezer.body, "manuals");
    expect(refs.some((r) => r.startsWith(`kb:freezer-${w}@1#`))).toBe(true);
    expect(refs.some((r) => r.startsWith("doc:freezer-rules#"))).toBe(true);

    for (const mode of ["fail", "stall"] as const) {
      await bindLibrary(cast.tenantId, mode);
      try {
        const degraded = await call<Brief>("/v1/jobs/J2/brief", { token: cast.dispatcher, tenant: cast.tenantId });
        expect(degraded.status, mode).toBe(200);
        const left = refsOf(degraded.body, "manuals");
        expect(left.length, mode).toBeGreaterThan(0);
        expect(
          left.every((r) => r.startsWith("doc:freezer-rules#")),
          mode,
        ).toBe(true);
      } finally {
        await bindLibrary(cast.tenantId, "real");
      }
    }
    const usage = await call<{ library: { calls: number; degraded: number }[] }>("/v1/admin/usage?days=1", {
      token: cast.admin,
      tenant: cast.tenantId,
    });
    expect(usage.status).toBe(200);
    expect(usage.body.library[0]?.calls).toBe(4);
    expect(usage.body.library[0]?.degraded).toBe(2);
  });
});

/** One property with two jobs: J1 (the technician's, today) and J0 (earlier, the other technician's), with canaries. */
function siteData(cast: Cast, canary: string): IngestBody {
  return {
    clients: [
      { id: "C1", name: `Harbor Bakery ${canary}c1`, phone: "+1 555 0100" },
      { id: "C2", name: "Quiet Client" },
    ],
    properties: [
      { id: "P1", clientId: "C1", address: `12 Quay Street ${canary}p1` },
      { id: "P2", clientId: "C2", address: "1 Empty Lane" },
    ],
    jobs: [
      {
        id: "J0",
        clientId: "C1",
        propertyId: "P1",
        title: "No cooling - RTU-1",
        status: "completed",
        scheduledStart: "2026-10-01T09:00:00Z",
        assignees: [cast.subjects.otherTechnician],
      },
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: "RTU-1 down again",
        status: "scheduled",
        scheduledStart: "2026-11-01T09:00:00Z",
        assignees: [cast.subjects.technician],
      },
      {
        id: "J9",
        clientId: "C2",
        propertyId: "P2",
        title: "Look at the boiler",
        status: "scheduled",
        assignees: [cast.subjects.technician],
      },
    ],
    notes: [
      {
        id: "N0",
        jobId: "J0",
        body: `Replaced the fan relay ${canary}hidden. Gate code 9911 ${canary}hidden.`,
        createdAt: "2026-10-01T10:00:00Z",
      },
      { id: "N1", propertyId: "P1", body: `Beware of the dog in the yard ${canary}dog.`, createdAt: "2026-09-01T10:00:00Z" },
      { id: "N2", jobId: "J1", body: `Ordered a new relay ${canary}order.`, createdAt: "2026-10-30T10:00:00Z" },
    ],
    events: [{ id: "E0", jobId: "J0", type: "diagnosed", at: "2026-10-01T09:30:00Z", data: { fault: `stuck relay ${canary}hidden` } }],
  };
}

async function siteWorld(prefix: string, canary = "zq"): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, siteData(cast, canary));
  return cast;
}

const get = (path: string, token: string) => call<any>(path, { token });

describe("the pre-arrival brief: visibility, limits, metering, audit", () => {
  it("follows the job's visibility per role, and never cites another tenant's or a hidden job's records", async () => {
    const cast = await siteWorld("brief-vis");
    // Another tenant with the same ids and its own canary.
    const other = await tenantWithCast("brief-oth");
    await ingestAs(other.dispatcher, other.tenantId, siteData(other, "xo"));

    const tech = await get("/v1/jobs/J1/brief", cast.technician);
    expect(tech.status).toBe(200);
    expect(tech.text).not.toContain("zqhidden");
    expect(tech.text).not.toContain("9911");
    expect(tech.text).not.toContain("xo");
    expect(refsOf(tech.body, "safety")).toEqual(["note:N1"]);
    expect(refsOf(tech.body, "followUps")).toEqual(["note:N2"]);
    expect(tech.body.sections.find((s: { key: string }) => s.key === "history").empty).toBe(true);

    // The dispatcher and the auditor read everything of this tenant: the earlier visit is there.
    for (const token of [cast.dispatcher, cast.auditor, cast.admin]) {
      const all = await get("/v1/jobs/J1/brief", token);
      expect(all.status).toBe(200);
      expect(refsOf(all.body, "history")).toEqual(["job:J0", "note:N0", "event:E0"]);
      expect(refsOf(all.body, "access")).toEqual(["note:N0"]);
      expect(all.text).toContain("zqhidden");
      expect(all.text).not.toContain("xo");
    }

    // A technician's brief of a job not assigned to them is 404, like the job; the service identity has no copilot.
    for (const path of ["/v1/jobs/J0/brief", "/v1/jobs/J0"]) {
      const hidden = await get(path, cast.technician);
      expect(hidden.status).toBe(404);
      expect(hidden.body.code).toBe("not_found");
    }
    expect((await get("/v1/jobs/J1/brief", cast.otherTechnician)).status).toBe(404);
    expect((await get("/v1/jobs/J1/brief", cast.service)).status).toBe(403);
  });

  it("states the sections no record speaks to, uncited", async () => {
    const cast = await siteWorld("brief-empty");
    const res = await get("/v1/jobs/J9/brief", cast.technician);
    expect(res.status).toBe(200);
    const byKey = Object.fromEntries(res.body.sections.map((s: { key: string }) => [s.key, s]));
    for (const key of ["access", "history", "followUps", "safety", "preferences"] as const) {
      expect(byKey[key]).toMatchObject({ empty: true, sentences: [{ text: BRIEF_EMPTY[key], citation: null }] });
    }
    expect(res.text).toContain("No access notes on record for this property.");
    expect(byKey.job.empty).toBe(false);
    expect(byKey.job.sentences[0]).toMatchObject({ citation: { ref: "job:J9", quote: "Look at the boiler" } });
  });

  it("answers bad and unknown ids like the job routes, writing nothing", async () => {
    const cast = await siteWorld("brief-bad");
    for (const id of ["NOPE", "bad%20id", "x".repeat(129), "%00"]) {
      const [brief, job] = [await get(`/v1/jobs/${id}/brief`, cast.dispatcher), await get(`/v1/jobs/${id}`, cast.dispatcher)];
      expect(brief.status, id).toBe(job.status);
      expect(brief.body.code, id).toBe(job.body.code);
    }
    expect((await call("/v1/jobs/J1/brief", { method: "POST", token: cast.dispatcher, body: {} })).status).toBe(405);
    const usage = await get("/v1/admin/usage", cast.admin);
    expect(usage.body.days).toEqual([]);
    const audit = await get("/v1/admin/audit?action=copilot.brief", cast.admin);
    expect(audit.body.entries).toEqual([]);
    // (The audit and usage reads see a brief's entries: the same reads after one show them.)
    expect((await get("/v1/jobs/J1/brief", cast.dispatcher)).status).toBe(200);
    expect((await get("/v1/admin/usage", cast.admin)).body.days).toHaveLength(1);
    expect((await get("/v1/admin/audit?action=copilot.brief", cast.admin)).body.entries).toHaveLength(1);
  });

  it("costs what an ask costs, is counted in the usage report, and is audited with what it cited", async () => {
    const cast = await siteWorld("brief-meter");
    await untilRateWindowHasRoom();
    const first = await get("/v1/jobs/J1/brief", cast.technician);
    const second = await get("/v1/jobs/J1/brief", cast.technician);
    const remaining = (res: { headers: Headers }) => Number(/r=(\d+)/.exec(res.headers.get("ratelimit") ?? "")?.[1]);
    expect(remaining(first) - remaining(second)).toBe(5);

    const usage = await get("/v1/admin/usage", cast.auditor);
    expect(usage.body.days).toEqual([expect.objectContaining({ provider: "extractive", requests: 2, briefs: 2 })]);
    await call("/v1/copilot/ask", { token: cast.technician, body: { question: "What was ordered?" } });
    const after = await get("/v1/admin/usage", cast.auditor);
    expect(after.body.days).toEqual([expect.objectContaining({ provider: "extractive", requests: 3, briefs: 2 })]);

    const audit = await get("/v1/admin/audit?action=copilot.brief", cast.admin);
    expect(audit.body.entries).toHaveLength(2);
    expect(audit.body.entries[0]).toMatchObject({ action: "copilot.brief", target: "job:J1", outcome: "ok", role: "technician" });
    expect(audit.body.entries[0].reason).toContain("note:N2");
    // A hidden job's brief is audited as a denied attempt, as for the job itself.
    await get("/v1/jobs/J0/brief", cast.technician);
    const denied = await get("/v1/admin/audit?action=copilot.brief", cast.admin);
    expect(denied.body.entries.at(-1)).toMatchObject({ target: "job:J0", outcome: "denied" });

    await untilRateWindowHasRoom();
    await putSettings(cast.admin, cast.tenantId, { rateLimits: { userPerMinute: 12 } });
    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get("/v1/jobs/J1/brief", cast.dispatcher)).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
