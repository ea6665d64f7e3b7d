import { describe, expect, it } from "vitest";
import { JobBrief } from "../../schemas/brief";
import { call } from "../helpers/api";
import { connect, type Frame } from "../helpers/socket";
import { ingestAs, tenantWithCast, type Cast } from "../helpers/world";

/** A job with enough on record for a brief of many lines, and one the technician may not see. */
async function world(prefix: string): Promise<Cast> {
  const cast = await tenantWithCast(prefix);
  await ingestAs(cast.dispatcher, cast.tenantId, {
    clients: [{ id: "C1", name: "Harbor Bakery", email: "office@harbor.example", phone: "+1 555 0100" }],
    properties: [{ id: "P1", clientId: "C1", address: "12 Quay Street", label: "Bakery" }],
    jobs: [
      {
        id: "J1",
        clientId: "C1",
        propertyId: "P1",
        title: "Walk-in cooler not cooling - WIC-1",
        description: "Cooler at 48°F since the morning.",
        status: "scheduled",
        priority: "high",
        scheduledStart: "2026-11-20T08:00:00Z",
        assignees: [cast.subjects.technician],
      },
      {
        id: "J2",
        clientId: "C1",
        propertyId: "P1",
        title: "Hidden visit",
        status: "scheduled",
        assignees: [cast.subjects.otherTechnician],
      },
    ],
    notes: [
      { id: "N1", propertyId: "P1", body: "Gate code 4411# at the side gate. Beware of the dog in the yard." },
      { id: "N2", clientId: "C1", body: "Prefers text messages; net-30 billing." },
      { id: "N3", jobId: "J1", body: "Ordered a new evaporator fan motor. Bring a ladder for the roof hatch." },
      { id: "N4", jobId: "J2", body: "Secret zzhiddenzz alarm panel code 9999." },
    ],
  });
  return cast;
}

const joined = (frames: Frame[]) => frames.map((f) => f.text as string).join("");

describe("the brief over the socket", () => {
  it("streams the brief's text as deltas in section order, then one brief frame equal to the REST brief", async () => {
    const cast = await world("rtb-stream");
    const client = await connect(cast.technician);
    client.send({ type: "brief", id: "b1", jobId: "J1" });
    const outcome = await client.outcome("b1");
    expect(outcome.type).toBe("brief");
    const { type: _t, id: _i, ...brief } = outcome;
    expect(JobBrief.safeParse(brief).success).toBe(true);
    const deltas = client.of("delta", "b1");
    expect(deltas.length).toBeGreaterThan(10);
    expect(joined(deltas)).toBe(outcome.text);
    expect(deltas[0]?.text).toBe("The job\n");
    const headings = deltas.map((d) => String(d.text).trim()).filter((t) => outcome.sections.some((s: { title: string }) => s.title === t));
    expect(headings).toEqual(outcome.sections.map((s: { title: string }) => s.title));
    expect(outcome.text).not.toContain("zzhiddenzz");
    const rest = await call("/v1/jobs/J1/brief", { token: cast.technician });
    expect({ ...rest.body, usage: null }).toEqual({ ...brief, usage: null });
    client.close();
  });

  it("answers a hidden job not_found and a malformed one bad_message, and keeps the socket open", async () => {
    const cast = await world("rtb-hidden");
    const client = await connect(cast.technician);
    client.send({ type: "brief", id: "h1", jobId: "J2" });
    expect(await client.outcome("h1")).toMatchObject({ type: "error", code: "not_found" });
    client.send({ type: "brief", id: "h2", jobId: "not an id" });
    expect(await client.outcome("h2")).toMatchObject({ type: "error", code: "bad_message" });
    client.send({ type: "brief", id: "h3", jobId: "J1", extra: 1 });
    expect(await client.outcome("h3")).toMatchObject({ type: "error", code: "bad_message" });
    expect(client.frames.some((f) => JSON.stringify(f).includes("zzhiddenzz"))).toBe(false);
    client.send({ type: "brief", id: "h4", jobId: "J1" });
    expect(await client.outcome("h4")).toMatchObject({ type: "brief", jobId: "J1" });
    client.close();
  });

  it("cancels a running brief: a cancelled error instead of the brief, nothing metered or audited", async () => {
    const cast = await world("rtb-cancel");
    const client = await connect(cast.technician);
    client.send({ type: "brief", id: "k1", jobId: "J1" });
    client.send({ type: "cancel", id: "k1" });
    expect(await client.outcome("k1")).toMatchObject({ type: "error", id: "k1", code: "cancelled" });
    expect(client.of("brief")).toHaveLength(0);
    expect((await call("/v1/admin/usage", { token: cast.admin })).body.days).toEqual([]);
    expect((await call("/v1/admin/audit?action=copilot.brief", { token: cast.admin })).body.entries).toEqual([]);
    // The id may be used again.
    client.send({ type: "brief", id: "k1", jobId: "J1" });
    await client.until((c) => c.of("brief", "k1").length === 1, "the brief");
    const usage = await call("/v1/admin/usage", { token: cast.admin });
    expect(usage.body.days).toEqual([expect.objectContaining({ requests: 1, briefs: 1 })]);
    client.close();
  });

  it("resumes a brief cut off midway on a new socket: no duplicated or missing text", async () => {
    const cast = await world("rtb-resume");
    const first = await connect(cast.technician);
    first.send({ type: "brief", id: "r1", jobId: "J1" });
    await first.until((c) => c.of("delta", "r1").length >= 3, "some deltas");
    // The connection drops: what arrived before the close is all this client has.
    first.ws.close(1000, "network lost");
    const had = first.of("delta", "r1").map((f) => f.text as string);
    const k = had.length;

    const second = await connect(cast.technician);
    second.send({ type: "resume", id: "r1", after: k });
    const resumed = await second.outcome("r1");
    expect(resumed.type).toBe("brief");
    const rest = second.of("delta", "r1").map((f) => f.text as string);
    expect(had.join("") + rest.join("")).toBe(resumed.text);
    expect(second.of("brief", "r1")).toHaveLength(1);
    // Only the caller's own briefs resume.
    const other = await connect(cast.dispatcher);
    other.send({ type: "resume", id: "r1", after: 0 });
    expect(await other.outcome("r1")).toMatchObject({ type: "error", code: "unknown_id" });
    second.close();
    other.close();
  });
});
