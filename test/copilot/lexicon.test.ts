import { describe, expect, it } from "vitest";
import { extractiveDraft } from "../../durable-objects/tenant/copilot/extractive";
import { CLAUSE_BREAK, clausesOf, questionTerms } from "../../durable-objects/tenant/copilot/lexicon";
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

/** The extractive provider's answer to a question over the given records. */
const answer = (question: string, evidence: EvidenceRecord[]) => extractiveDraft({ terms: questionTerms(question), evidence });

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

  it("keeps the terms of a question's two clauses apart when each has terms of its own", () => {
    const terms = questionTerms("What made the RCD trip at the studio, and what did circuit 3 measure?");
    expect(terms).toContain(CLAUSE_BREAK);
    expect(clausesOf(terms)).toEqual({
      whole: ["rcd", "studio", "?reason", "circuit", "3"],
      clauses: [
        ["rcd", "studio", "?reason"],
        ["circuit", "3"],
      ],
    });
    // One clause: one list, as before.
    expect(clausesOf(questionTerms("Why did BLR-2 lock out?"))).toEqual({
      whole: ["blr-2", "lock", "?reason"],
      clauses: [["blr-2", "lock", "?reason"]],
    });
  });

  it("drops the heads of negated contractions and words that only move the question along, not names", () => {
    expect(questionTerms("Why wouldn't the pilot stay lit?")).toEqual(["pilot", "stay", "lit", "?reason"]);
    expect(questionTerms("How low does the gas go once it fires?")).toEqual(["gas", "fir", "#reading"]);
    expect(questionTerms("Does Café De Haven want a call the day before?")).toContain("haven");
  });

  it("reads 'what went wrong' and 'what was off' as asking for the finding, 'what made it' for the reason", () => {
    expect(questionTerms("What went wrong at the backflow test?")).toEqual(["backflow", "test", "?finding"]);
    expect(questionTerms("What was off on the boiler?")).toEqual(["boiler", "?finding"]);
    expect(questionTerms("What made the RCD trip?")).toEqual(["rcd", "?reason"]);
  });

  it("names the need behind 'punch in', 'money off', 'up for renewal' and 'cut the power', and 'show up' only as an arrival", () => {
    expect(questionTerms("What do I punch in if I show up at the bakery?")).toEqual(["baker", "#access"]);
    expect(questionTerms("How do I tell them when I'll show up?")).toContain("#contact");
    expect(questionTerms("Do they get money off parts?")).toEqual(["part", "#discount"]);
    expect(questionTerms("When is the agreement up for renewal?")).toEqual(expect.arrayContaining(["#validity"]));
    expect(questionTerms("Who do I warn before I cut the power?")).toEqual(["warn", "#shutoff"]);
    expect(questionTerms("who gets the certificate?")).toEqual(["certificat"]);
  });

  it("asks 'how many hours' for a duration, not for an amount", () => {
    expect(questionTerms("How many hours did the probe swap take?")).toEqual(["prob", "swap", "#duration"]);
    expect(questionTerms("How many filters does it take?")).toContain("#amount");
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

  it("answers a question's two clauses from two records of one job when no one passage answers both", () => {
    const terms = questionTerms("What made the RCD trip at the studio, and what did circuit 3 measure?");
    const context = "RCD tripping - CU-1\nStudio\nStudio Loft 12";
    const reason = record("note:N1", "RCD 30 mA trips in 25 ms; water found in the garden socket.", "J1", context);
    const reading = record("note:N2", "Insulation resistance: circuit 3 N-E 0.8 MΩ.", "J1", context);
    const elsewhere = record(
      "note:N3",
      "Insulation resistance: circuit 3 N-E 0.5 MΩ.",
      "J2",
      "RCD tripping - CU-1\nBakery\nBakkerij Jansen",
    );
    const draft = extractiveDraft({ terms, evidence: [reason, reading, elsewhere] });
    expect(draft.claims.map((c) => c.ref).sort()).toEqual(["note:N1", "note:N2"]);
    // The second clause answered only on another job: no answer.
    expect(extractiveDraft({ terms, evidence: [reason, elsewhere] }).declined).toBe(true);
  });

  it("answers a second clause on the first clause's job with a passage that says most of what it asks", () => {
    const context = "Economizer fault - RTU-1\nBakery & storefront\nMaple Street Bakery";
    const draft = answer("Where was the damper stuck at the bakery, and where did we set the minimum after?", [
      record("note:N1", "Economizer controller shows ACT UNRESPONSIVE; damper stuck at 42% open.", "J1", context),
      record("note:N2", "Replaced the actuator, recalibrated minimum position to 22%.", "J1", context),
      record("note:N3", "System pressure 6.9 psi (fill set to 12).", "J2", "Boiler no heat - BLR-1\nBuilding B\nSummit Ridge"),
    ]);
    expect(draft.claims.map((c) => c.ref)).toEqual(["note:N1", "note:N2"]);
  });

  it("completes an answer whose one passage answers the question but not its second clause", () => {
    const context = "No hot water - WH-1\nParsonage\nRiverside Community Church";
    const draft = answer("Why wouldn't the pilot stay lit on the parsonage water heater, and how hot was the tap after?", [
      record("note:N1", "WH-1: pilot will not stay lit, thermocouple 6 mV (needs > 20 mV).", "J1", context),
      record("note:N2", "Replaced thermocouple, relit pilot, verified temperature 120°F at nearest tap.", "J1", context),
      record("note:N3", "No hot water since last night.", "J1", context),
    ]);
    expect(draft.claims.map((c) => c.ref)).toEqual(["note:N1", "note:N2"]);
    expect(draft.text).toContain("120°F");
  });

  it("reads a record's equipment tag as the thing the question names ('WH-1' is the water heater)", () => {
    const context = "No hot water\nCafe\nBlue Heron Cafe";
    const draft = answer("What was wrong with the heater at Blue Heron?", [
      record("note:N1", "WH-1 A.O. Smith: pilot will not stay lit, thermocouple 9 mV.", "J1", context),
      record("note:N2", "Customer let me in; walked the system with them first.", "J1", context),
    ]);
    expect(draft.claims.map((c) => c.ref)).toEqual(["note:N1"]);
  });

  it("makes room in a full answer for the record that says what was done, in place of one that adds nothing", () => {
    const context = "No hot water - WH-1\nCafe\nBlue Heron Cafe";
    const draft = answer("What was up with the Blue Heron water heater and what did we swap?", [
      record("note:N1", "Follow-up: WH-1 is 9 years old; 6-year tank warranty expired. Recommend replacement plan.", "J1", context),
      record("note:N2", "WH-1 A.O. Smith S/N 1435M923598: pilot will not stay lit, thermocouple 9 mV (needs > 20 mV).", "J1", context),
      record("event:E1", 'diagnosed\n{"equipment":"WH-1","fault":"failed thermocouple"}', "J1", context),
      record("note:N3", "Replaced thermocouple, relit pilot, verified temperature 122°F at nearest tap.", "J1", context),
    ]);
    expect(draft.claims.map((c) => c.ref)).toContain("note:N3");
    expect(draft.claims.map((c) => c.ref)).toContain("event:E1");
  });

  it("still declines what no record says", () => {
    const draft = extractiveDraft({
      terms: questionTerms("Any pets at the clinic?"),
      evidence: [record("note:N1", "Gate code 8801#.", null, "Main clinic\nHarborview Dental")],
    });
    expect(draft).toMatchObject({ declined: true, claims: [] });
  });
});
