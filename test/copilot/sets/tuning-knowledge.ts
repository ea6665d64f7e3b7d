import type { DemoTenantId } from "../../helpers/demo";
import { A, N } from "./tuning";

/**
 * The TUNING set of the copilot over manuals: questions on the demo library (scripts/demo-library.mjs,
 * `demoLibrary()`) and each demo tenant's own document (`demoTenantDocuments()`), asked by the
 * quality suite (test/copilot/quality.test.ts) with the records, the documents and the library
 * all loaded. Tune on these; the held-out knowledge questions (sets/held-out-knowledge.ts) are
 * for measuring, and whoever tunes does not read them.
 *
 * A chunk is named by its document and its innermost heading (the suite resolves it to the ref
 * the chunker gave it: `kb:<docId>@<version>#<chunk>` or `doc:<docId>#<chunk>`), so the set
 * survives an edit elsewhere in a document. A question lists every chunk that states the answer
 * (any one cited counts) and the facts the answer must contain.
 */
export interface ChunkName {
  source: "library" | "documents";
  doc: string;
  heading: string;
}

export interface KnowledgeCase {
  tenant: DemoTenantId;
  question: string;
  /** Chunks that state the answer; empty: nothing the tenant may read answers it (decline). */
  expect: ChunkName[];
  /** Words the answer must contain (case-insensitive). */
  facts: string[];
  /** Ask as this demo technician (default: a dispatcher, who sees every record). */
  as?: string;
  /** Narrow to this job, as `POST /v1/copilot/ask {jobId}` does. */
  jobId?: string;
}

const kb = (doc: string, heading: string): ChunkName => ({ source: "library", doc, heading });
const doc = (id: string, heading: string): ChunkName => ({ source: "documents", doc: id, heading });

const RTU = "rtu-service-manual";
const RPZ = "rpz-backflow-test";
const LWCO = "boiler-lwco-guide";
const WH = "gas-water-heaters";
const COMBI = "combi-boiler-lockouts";

export const KNOWLEDGE_ANSWERABLE: KnowledgeCase[] = [
  // The shared library, asked by either tenant.
  {
    tenant: A,
    question: "At what pressure does the high-pressure switch open on a rooftop unit?",
    expect: [kb(RTU, "E1 high-pressure lockout"), kb(RTU, "Error code table")],
    facts: ["610 psig"],
  },
  {
    tenant: A,
    question: "How do I clear the stored fault history on the rooftop unit controller?",
    expect: [kb(RTU, "Reading the controller")],
    facts: ["LAST FAULT"],
  },
  {
    tenant: A,
    question: "What flame signal should a rooftop unit burner have?",
    expect: [kb(RTU, "E5 ignition lockout")],
    facts: ["1.0 microamp"],
  },
  {
    tenant: A,
    question: "What should a hot surface igniter measure cold?",
    expect: [kb(RTU, "E5 ignition lockout")],
    facts: ["40 to 90 ohms"],
  },
  { tenant: A, question: "How much deflection should the blower belt have?", expect: [kb(RTU, "E6 blower proving")], facts: ["3/4 inch"] },
  {
    tenant: A,
    question: "What does a 10k thermistor sensor read at 77°F?",
    expect: [kb(RTU, "E7 sensor out of range")],
    facts: ["10,000 ohms"],
  },
  {
    tenant: A,
    question: "How long does the E9 short cycle protection lock out the compressor?",
    expect: [kb(RTU, "E9 short cycling")],
    facts: ["15 minutes"],
  },
  {
    tenant: A,
    question: "What pH should the water in a hot-water boiler be?",
    expect: [kb(LWCO, "Boiler water quality")],
    facts: ["8.5 to 9.5"],
  },
  {
    tenant: A,
    question: "When should a low-water cut-off probe be replaced instead of cleaned?",
    expect: [kb(LWCO, "Cleaning or replacing the probe")],
    facts: ["5 years"],
  },
  {
    tenant: A,
    question: "How many millivolts must a water heater thermocouple produce?",
    expect: [kb(WH, "No hot water from a tank heater")],
    facts: ["20 millivolts"],
  },
  {
    tenant: N,
    question: "At what differential must the RPZ relief valve open to pass?",
    expect: [kb(RPZ, "Step 1: relief valve opening point"), kb(RPZ, "Results table")],
    facts: ["0.14 bar"],
  },
  {
    tenant: N,
    question: "How recently must the backflow test kit have been calibrated?",
    expect: [kb(RPZ, "Before you start")],
    facts: ["12 months"],
  },
  {
    tenant: N,
    question: "What air charge should a combi boiler expansion vessel have?",
    expect: [kb(COMBI, "Expansion vessel")],
    facts: ["0.75 to 1.0 bar"],
  },
  // Each tenant's own document.
  {
    tenant: A,
    question: "How far above the roof edge must the ladder extend?",
    expect: [doc("rooftop-access", "Ladders")],
    facts: ["3 feet"],
  },
  {
    tenant: A,
    question: "When is a harness needed near an unprotected roof edge?",
    expect: [doc("rooftop-access", "Fall protection")],
    facts: ["15 feet"],
  },
  {
    tenant: N,
    question: "Within how many working days must a passed backflow certificate be uploaded?",
    expect: [doc("backflow-test-reporting", "Deadlines")],
    facts: ["5 working days"],
  },
  {
    tenant: N,
    question: "What do we charge for a backflow retest after a repair?",
    expect: [doc("backflow-test-reporting", "Pricing rules")],
    facts: ["EUR 45"],
  },
  // A technician reads the manuals too.
  {
    tenant: A,
    as: "ana.tech",
    question: "What manifold pressure should a rooftop unit have on natural gas?",
    expect: [kb(RTU, "E5 ignition lockout")],
    facts: ["3.5 in. w.c."],
  },
];

/** Near-misses: the manuals are about the subject but do not say this; another tenant's document is never read. */
export const KNOWLEDGE_UNANSWERABLE: KnowledgeCase[] = [
  { tenant: A, question: "What is the warranty period of the RC-series controller board?", expect: [], facts: [] },
  { tenant: A, question: "What torque do the rooftop unit burner mounting screws take?", expect: [], facts: [] },
  { tenant: A, question: "How much does a replacement anode rod cost?", expect: [], facts: [] },
  { tenant: N, question: "Which certificate number format does Evides require for a sprinkler test?", expect: [], facts: [] },
  { tenant: N, question: "What is the fixed price of an annual boiler service?", expect: [], facts: [] },
  // Acme's own rooftop procedure is not Northwind's to read.
  { tenant: N, question: "What ladder rating does the rooftop access procedure require?", expect: [], facts: [] },
  // Northwind's own pricing is not Acme's to read.
  { tenant: A, question: "What is the fixed rate per assembly for a backflow test outside a contract?", expect: [], facts: [] },
  { tenant: N, question: "What refrigerant charge does a 7.5 ton rooftop unit take?", expect: [], facts: [] },
];
