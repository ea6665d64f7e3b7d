import type { DemoTenantId } from "../../helpers/demo";

/**
 * Round 4 of the tuning set: questions as people on the job ask them, in words the records do not
 * use (the need rather than the thing, everyday words for terms and conditions, answers split over
 * two records, answers in an event's data, questions on one job). The copilot was tuned on these.
 */
export interface ParaphraseCase {
  tenant: DemoTenantId;
  question: string;
  /** Records that state the answer (any one cited counts); empty: nothing the tenant holds answers it. */
  expect: string[];
  /** Each group must have one of its refs cited (an answer split over records). */
  all?: string[][];
  as?: string;
  jobId?: string;
}

const A: DemoTenantId = "acme-hvac";
const N: DemoTenantId = "northwind-plumbing";

export const PARAPHRASE_ANSWERABLE: ParaphraseCase[] = [
  // The need, not the thing.
  { tenant: A, question: "How do I get in at the Pinecrest school campus?", expect: ["note:N-4034"] },
  { tenant: A, question: "How do we get in at the Estes Park cabin?", expect: ["note:N-4042"] },
  { tenant: A, question: "How do I get up on the roof of Summit Ridge building B?", expect: ["note:N-4029"] },
  { tenant: A, question: "Which part do I need for RTU-2 at Harborview?", expect: ["note:N-4193", "event:E-5127", "job:J-3042"] },
  { tenant: N, question: "What part did we order for the Block A backflow preventer?", expect: ["event:E-5034"] },
  { tenant: A, question: "Where do I leave the van at the Harborview clinic for the RTU-2 call?", expect: ["note:N-4214"] },
  { tenant: A, question: "Any pets at the Aspen Ct house in Boulder?", expect: ["note:N-4041"] },
  { tenant: N, question: "Any animals at the El Amrani residence?", expect: ["note:N-4035"] },
  { tenant: A, question: "Is the server room mini-split still under warranty?", expect: ["note:N-4201", "event:E-5135"] },
  // Wishes, instructions and terms in everyday words.
  { tenant: A, question: "How does Lakeside Fitness want to be reached?", expect: ["note:N-4011"] },
  { tenant: A, question: "How much can we spend on an after-hours call at Lakeside Fitness without asking?", expect: ["note:N-4010"] },
  { tenant: A, question: "How does Pinecrest pay us?", expect: ["note:N-4008"] },
  { tenant: A, question: "Do we charge the Okafors sales tax?", expect: ["note:N-4021"] },
  { tenant: N, question: "Up to how much can I spend at Hotel Noordereiland before I need an OK?", expect: ["note:N-4009"] },
  { tenant: N, question: "What time of day does Mrs. Hendriks want us?", expect: ["note:N-4020"] },
  { tenant: A, question: "Can I ring the doorbell at the Okafor residence in Centennial?", expect: ["note:N-4048"] },
  { tenant: A, question: "When can we work over the occupied rooms at the Lakewood satellite office?", expect: ["note:N-4024"] },
  // Split over two records of one job.
  {
    tenant: A,
    question: "Why does the RTU-2 contactor keep failing at Harborview, and what does the coil voltage drop to?",
    expect: ["note:N-4193"],
    all: [["note:N-4193"], ["note:N-4192", "event:E-5126"]],
  },
  {
    tenant: A,
    question: "What was wrong with the AC-1 coil at the Whitfield place and what is the claim number?",
    expect: ["note:N-4165", "event:E-5102"],
    all: [
      ["note:N-4165", "event:E-5102"],
      ["note:N-4166", "event:E-5103"],
    ],
  },
  // Answers in an event's data.
  {
    tenant: A,
    question: "What's the invoice number for the BLR-1 no-heat visit at the Evergreen main residence hall?",
    expect: ["event:E-5100"],
  },
  { tenant: A, question: "When is the Belimo actuator for RTU-2 at Pinecrest due in?", expect: ["event:E-5131"] },
  { tenant: N, question: "Who's supplying the repair kit for RPZ-1 at Block A?", expect: ["event:E-5034"] },
  { tenant: N, question: "What flow did HP-1 do at the Van Dijk residence?", expect: ["note:N-4128", "event:E-5068"] },
  // On one job.
  { tenant: A, jobId: "J-3034", as: "ana.tech", question: "what's on order?", expect: ["note:N-4193", "event:E-5127"] },
  { tenant: A, jobId: "J-3036", as: "carla.tech", question: "what did the thermocouple read?", expect: ["note:N-4199"] },
  { tenant: A, jobId: "J-3041", as: "carla.tech", question: "how deep a vacuum do I need?", expect: ["job:J-3041"] },
  { tenant: A, jobId: "J-3039", question: "do they want a heads-up before I arrive?", expect: ["note:N-4205"] },
  { tenant: A, jobId: "J-3030", as: "ana.tech", question: "anything I should know about who lives there?", expect: ["note:N-4178"] },
  { tenant: A, jobId: "J-3034", as: "ana.tech", question: "how do I get in?", expect: ["note:N-4214", "note:N-4023"] },
  { tenant: A, jobId: "J-3036", as: "carla.tech", question: "anything to watch out for on site?", expect: ["note:N-4032"] },
  { tenant: A, jobId: "J-3041", as: "carla.tech", question: "is there a dog?", expect: ["note:N-4041"] },
];

export const PARAPHRASE_UNANSWERABLE: ParaphraseCase[] = [
  { tenant: A, question: "What's the gate code at the Cherry Hills residence?", expect: [] },
  { tenant: A, question: "Any pets at the Estes Park cabin?", expect: [] },
  { tenant: A, jobId: "J-3034", as: "ana.tech", question: "what's the gas pressure?", expect: [] },
  { tenant: A, jobId: "J-3037", as: "ben.tech", question: "where do I park?", expect: [] },
  { tenant: A, jobId: "J-3041", as: "carla.tech", question: "what's the alarm code?", expect: [] },
  { tenant: A, question: "How does Harborview Dental pay us?", expect: [] },
  { tenant: A, question: "Is RTU-2 at Harborview still under warranty?", expect: [] },
  { tenant: A, question: "When is the hard-start kit for RTU-1 due in?", expect: [] },
  { tenant: A, question: "Where do I park at the Pinecrest school campus?", expect: [] },
  { tenant: A, question: "What's the alarm code at the Okafor rental house?", expect: [] },
  { tenant: N, question: "Any animals at the Van Dijk holiday cottage?", expect: [] },
  { tenant: N, question: "How much can I spend at Café De Haven before I need an OK?", expect: [] },
];
