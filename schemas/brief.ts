import { z } from "@hono/zod-openapi";
import { nullable } from "./common";
import { Citation, Usage } from "./copilot";

/**
 * The pre-arrival brief of a job (`GET /v1/jobs/:id/brief`, and `brief` over the socket): six
 * sections in a fixed order, each a list of sentences. A sentence is a fixed template around one
 * verbatim quote of a record the caller may read, and carries that citation; a section the
 * records say nothing about holds one fixed sentence saying so, without a citation.
 */
export const BRIEF_SECTIONS = ["job", "access", "history", "followUps", "safety", "preferences"] as const;
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
};

/** What a section says when no record the caller may read says anything about it. */
export const BRIEF_EMPTY: Record<BriefSectionKey, string> = {
  job: "No details on record for this job.",
  access: "No access notes on record for this property.",
  history: "No earlier visits on record at this property or on this equipment.",
  followUps: "No open follow-ups on record.",
  safety: "No safety notes on record.",
  preferences: "No customer preferences on record.",
};

export const BriefSentence = z
  .object({
    text: z.string().openapi({ example: "Access: “Roof access via the ceiling hatch in the janitor closet (ladder on site).”" }),
    /**
     * The record the sentence quotes; `quote` is a verbatim substring of one of that record's
     * text fields (a note's body; a job's title, description, status, priority or schedule; an
     * event's type and data as the index holds them, `type\n{json}`; a client's name, e-mail or
     * phone; a property's address or label). Null only for a section's "nothing on record" sentence.
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

const EXAMPLE_CITATION = {
  ref: "note:N-4023",
  kind: "note",
  jobId: null,
  quote: "Roof access via the ceiling hatch in the janitor closet (ladder on site).",
} as const;

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
      sections: [
        {
          key: "job",
          title: "The job",
          empty: false,
          sentences: [
            {
              text: "J-3034: “RTU-2 down again - contactor pitted again”.",
              citation: { ref: "job:J-3034", kind: "job", jobId: "J-3034", quote: "RTU-2 down again - contactor pitted again" },
            },
          ],
        },
        {
          key: "safety",
          title: "Safety",
          empty: false,
          sentences: [{ text: `Safety: “${EXAMPLE_CITATION.quote}”`, citation: EXAMPLE_CITATION }],
        },
      ],
      text: "The job\nJ-3034: “RTU-2 down again - contactor pitted again”.\n…",
      citations: [
        { ref: "job:J-3034", kind: "job", jobId: "J-3034", quote: "RTU-2 down again - contactor pitted again" },
        EXAMPLE_CITATION,
      ],
      grounded: true,
      confidence: 0.95,
      usage: { provider: "extractive", model: null, tokensIn: 0, tokensOut: 0, latencyMs: 3, degraded: false },
    },
  });
export type JobBrief = z.infer<typeof JobBrief>;
