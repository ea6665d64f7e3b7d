import { z } from "@hono/zod-openapi";
import { nullable } from "./common";
import { Citation, Usage } from "./copilot";

/**
 * The pre-arrival brief of a job (`GET /v1/jobs/:id/brief`, and `brief` over the socket): seven
 * sections in a fixed order, each a list of sentences. A sentence is a fixed template around one
 * verbatim quote of a record the caller may read, and carries that citation; a section the
 * records say nothing about holds one fixed sentence saying so, without a citation.
 */
export const BRIEF_SECTIONS = ["job", "access", "history", "followUps", "safety", "preferences", "manuals"] as const;
export const BriefSectionKey = z.enum(BRIEF_SECTIONS);
export type BriefSectionKey = z.infer<typeof BriefSectionKey>;

/** Section titles as the brief's text shows them. */
export const BRIEF_TITLES: Record<BriefSectionKey, string> = {
  job: "The job",
  access: "Getting in",
  history: "Earlier visits",
  followUps: "Open follow-ups",
  safety: "Safety",
  preferences: "Customer preferences",
  manuals: "Manuals",
};

/** What a section says when no record the caller may read says anything about it. */
export const BRIEF_EMPTY: Record<BriefSectionKey, string> = {
  job: "No details on record for this job.",
  access: "No access notes on record for this property.",
  history: "No earlier visits on record at this property or on this equipment.",
  followUps: "No open follow-ups on record.",
  safety: "No safety notes on record.",
  preferences: "No customer preferences on record.",
  manuals: "No manual or company document on record covers this job's equipment.",
};

export const BriefSentence = z
  .object({
    text: z.string().openapi({ example: "Access: “Roof access via the ceiling hatch in the janitor closet (ladder on site).”" }),
    /**
     * The record the sentence quotes; `quote` is a verbatim substring of one of that record's
     * text fields (a note's body; a job's title, description, status, priority or schedule; an
     * event's type and data as the index holds them, `type\n{json}`; a client's name, e-mail or
     * phone; a property's address or label; a chunk of the tenant's documents or of the shared
     * library, `doc:…`/`kb:…`, in the Manuals section). Null only for a section's "nothing on record" sentence.
     */
    citation: nullable(Citation),
  })
  .openapi("BriefSentence");
export type BriefSentence = z.infer<typeof BriefSentence>;

export const BriefSection = z
  .object({
    key: BriefSectionKey,
    title: z.string(),
    /** True when no record says anything about the section: then one uncited sentence says so. */
    empty: z.boolean(),
    sentences: z.array(BriefSentence).min(1),
  })
  .openapi("BriefSection");
export type BriefSection = z.infer<typeof BriefSection>;

/** A shortened brief of the demo job J-3034 as ana.tech reads it (one or two sentences a section). */
const cited = (text: string, ref: string, jobId: string | null, quote: string) => ({
  text,
  citation: {
    ref,
    kind: ref.startsWith("kb:") ? ("library" as const) : (ref.split(":")[0] as "job" | "note" | "event" | "client" | "property"),
    jobId,
    quote,
  },
});
const EXAMPLE_SECTIONS = [
  {
    key: "job",
    title: BRIEF_TITLES.job,
    empty: false,
    sentences: [
      cited("J-3034: “RTU-2 down again - contactor pitted again”.", "job:J-3034", "J-3034", "RTU-2 down again - contactor pitted again"),
      cited(
        "Equipment: “RTU-2 Carrier 48FCEM06A2A6-0A0A0 S/N 4813G6706”.",
        "note:N-4080",
        "J-3006",
        "RTU-2 Carrier 48FCEM06A2A6-0A0A0 S/N 4813G6706",
      ),
    ],
  },
  {
    key: "access",
    title: BRIEF_TITLES.access,
    empty: false,
    sentences: [
      cited(
        "This job, 2026-11-16: “Please use the back entrance & park in spots 14–16 (patients need the front lot).”",
        "note:N-4214",
        "J-3034",
        "Please use the back entrance & park in spots 14–16 (patients need the front lot).",
      ),
    ],
  },
  {
    key: "history",
    title: BRIEF_TITLES.history,
    empty: false,
    sentences: [
      cited("J-3006, 2026-10-06: “No cooling - RTU-2 (operatories 3-4)”.", "job:J-3006", "J-3006", "No cooling - RTU-2 (operatories 3-4)"),
      cited("Parts used: “Carrier HN52TC024 contactor”.", "event:E-5024", "J-3006", "Carrier HN52TC024 contactor"),
    ],
  },
  {
    key: "followUps",
    title: BRIEF_TITLES.followUps,
    empty: false,
    sentences: [cited("On order (2026-11-16): “Supco SPP6E hard-start kit”.", "event:E-5127", "J-3034", "Supco SPP6E hard-start kit")],
  },
  {
    key: "safety",
    title: BRIEF_TITLES.safety,
    empty: false,
    sentences: [
      cited(
        "Site or customer note: “Roof access via the ceiling hatch in the janitor closet (ladder on site).”",
        "note:N-4023",
        null,
        "Roof access via the ceiling hatch in the janitor closet (ladder on site).",
      ),
    ],
  },
  {
    key: "preferences",
    title: BRIEF_TITLES.preferences,
    empty: false,
    sentences: [cited("Phone: “+1 303-555-0142”.", "client:C-1001", null, "+1 303-555-0142")],
  },
  {
    key: "manuals",
    title: BRIEF_TITLES.manuals,
    empty: false,
    sentences: [
      cited(
        "Packaged rooftop unit service manual, E9 short cycling: “E9 locks the compressor out for 15 minutes when it has started more than 6 times in an hour.”",
        "kb:rtu-service-manual@1#095f2623a2f7",
        null,
        "E9 locks the compressor out for 15 minutes when it has started more than 6 times in an hour.",
      ),
    ],
  },
] as const;

export const JobBrief = z
  .object({
    jobId: z.string().openapi({ example: "J-3034" }),
    sections: z.array(BriefSection).length(BRIEF_SECTIONS.length),
    /** The brief as text, exactly the concatenation of the deltas a socket receives. */
    text: z.string(),
    /** Every distinct record cited, in order of first citation. */
    citations: z.array(Citation),
    /** True when at least one sentence cites a record (as for answers). */
    grounded: z.boolean(),
    confidence: z.number().min(0).max(1),
    usage: Usage,
  })
  .openapi("JobBrief", {
    example: {
      jobId: "J-3034",
      sections: EXAMPLE_SECTIONS.map((x) => ({ ...x, sentences: [...x.sentences] })),
      text: EXAMPLE_SECTIONS.map((x, i) => `${i === 0 ? "" : "\n"}${x.title}\n${x.sentences.map((y) => `${y.text}\n`).join("")}`).join(""),
      citations: EXAMPLE_SECTIONS.flatMap((x) => x.sentences.map((y) => y.citation)),
      grounded: true,
      confidence: 0.889,
      usage: { provider: "extractive", model: null, tokensIn: 0, tokensOut: 0, latencyMs: 4, degraded: false },
    },
  });
export type JobBrief = z.infer<typeof JobBrief>;
