import { describe, expect, it } from "vitest";
import { extractiveDraft } from "../../durable-objects/tenant/copilot/extractive";
import { questionTerms } from "../../durable-objects/tenant/copilot/lexicon";
import type { EvidenceRecord } from "../../durable-objects/tenant/copilot/retrieval";
import { valueMarkers } from "../../durable-objects/tenant/copilot/values";

/** The trade's vocabulary (lexicon.ts), value markers (values.ts), and what the extractive provider makes of them. */

const record = (
  ref: string,
  text: string,
  jobId: string | null = "J1",
  context = "No cooling - RTU-2\nMain clinic\nHarborview Dental",
): EvidenceRecord => {
  const [kind, id] = ref.split(":") as [EvidenceRecord["kind"], string];
  return { ref, kind, id, jobId, at: null, text, context, score: 1 };
};

describe("questionTerms", () => {
  it("turns a need into a concept and drops the words that asked for it", () => {
    const terms = questionTerms("How do I get in at the Pinecrest school campus?");
    expect(terms).toContain("#access");
    expect(terms).toEqual(expect.arrayContaining(["pinecrest", "school", "campus"]));
    expect(terms.some((t) => t === "get" || t === "in")).toBe(false);
  });

  it("lets a concept stand for a member the question names, and leaves a question that says what it wants alone", () => {
    expect(questionTerms("Any pets at the Aspen Ct house?")).toEqual(["aspen", "ct", "#animal"]);
    expect(questionTerms("Is the AC-1 coil under warranty?")).toEqual(["ac-1", "coil", "warrant"]);
  });

  it("adds answer parts for why and what was wrong, and splits compound words the records write apart", () => {
    expect(questionTerms("Why did BLR-2 lock out?")).toEqual(["blr-2", "lock", "?reason"]);
    expect(questionTerms("What was wrong with the coil?")).toContain("?finding");
    expect(questionTerms("Can I ring the doorbell?")).toEqual(["ring", "door", "bel"]);
  });

  it("drops only the verb of a cue that runs through what the question is about", () => {
    expect(questionTerms("What did the clubhouse igniter job cost the HOA?")).toEqual(["clubhous", "igniter", "hoa", "#billed"]);
    expect(questionTerms("Who are we getting the Van Dijk heat pump flow sensor from?")).toEqual(
      expect.arrayContaining(["van", "dijk", "heat", "pump", "flow", "sensor", "#supplier"]),
    );
  });

  it("reads a service call as the job, a PO as a purchase order, and 'how hot did it get in there' as no way in", () => {
    expect(questionTerms("What did we invoice for the RCD call at the cottage?")).not.toContain("cal");
    expect(questionTerms("Do Summit Ridge invoices need a PO?")).toEqual(expect.arrayContaining(["purchas", "order"]));
    const hot = questionTerms("how hot did it get in there?");
    expect(hot).toContain("#reading");
    expect(hot).not.toContain("#access");
  });

  it("drops the words that asked for an answer part, and asks for what was done", () => {
    expect(questionTerms("What was the matter with the Remeha and what did we do about it?")).toEqual(["remeha", "?finding", "?action"]);
  });
});

describe("valueMarkers", () => {
  it.each([
    ['{"eta":"2026-11-21"}', "@date"],
    ["Insurer requires a report before 15 January.", "@date"],
    ["Customer confirmed the 07:30 slot.", "@time"],
    ["Prefers morning appointments.", "@time"],
    ["After-hours calls approved up to $750.", "@money"],
    ["Approval needed for any work over EUR 500.", "@money"],
    ["thermocouple 9 mV (needs > 20 mV)", "@reading"],
    ['{"equipment":"BLR-2","ph":10.4}', "@reading"],
    ["Filters are 20x25x2 MERV 8.", "@size"],
    ["a 75 VA transformer", "@size"],
  ])("%s offers %s", (text, marker) => {
    expect(valueMarkers(text)).toContain(marker);
  });

  it("finds no value in plain words", () => {
    expect(valueMarkers("Dog on site, friendly but jumps.")).toEqual([]);
  });
});

describe("the extractive provider with the lexicon", () => {
  it("answers a need with the record that names the thing", () => {
    const draft = extractiveDraft({
      terms: questionTerms("How do I get in at the clinic?"),
      evidence: [
        record(
          "note:N1",
          "Mechanical room key is in the lock box by the service entrance, code 6285.",
          null,
          "Main clinic\nHarborview Dental",
        ),
        record("note:N2", "Patients booked all day.", null, "Main clinic\nHarborview Dental"),
      ],
    });
    expect(draft.declined).toBe(false);
    expect(draft.claims.map((c) => c.ref)).toEqual(["note:N1"]);
  });

  it("does not answer an alarm code with a gate code", () => {
    const terms = questionTerms("What is the alarm code at the clinic?");
    const gate = record("note:N1", "Gate code 8801#. Side gate latch is stiff.", null, "Main clinic\nHarborview Dental");
    expect(extractiveDraft({ terms, evidence: [gate] }).declined).toBe(true);
    const alarm = record(
      "note:N2",
      "Alarm panel by the back door; code 4690 if arriving before opening.",
      null,
      "Main clinic\nHarborview Dental",
    );
    expect(extractiveDraft({ terms, evidence: [gate, alarm] }).claims.map((c) => c.ref)).toEqual(["note:N2"]);
  });

  it("completes an answer split over two records of one job: the reading and the reason", () => {
    const draft = extractiveDraft({
      terms: questionTerms("Why does the RTU-2 contactor keep failing, and what does the coil voltage drop to?"),
      evidence: [
        record("note:N1", "RTU-2 contactor pitted again. Coil voltage drops from 26 V to 17 V when the compressor starts."),
        record("note:N2", "Suspect an undersized 40 VA control transformer plus a hard-starting compressor."),
        record("note:N3", "Patients booked all day."),
      ],
    });
    expect(draft.claims.map((c) => c.ref).sort()).toEqual(["note:N1", "note:N2"]);
  });

  it("still declines what no record says", () => {
    const draft = extractiveDraft({
      terms: questionTerms("Any pets at the clinic?"),
      evidence: [record("note:N1", "Gate code 8801#.", null, "Main clinic\nHarborview Dental")],
    });
    expect(draft).toMatchObject({ declined: true, claims: [] });
  });
});
