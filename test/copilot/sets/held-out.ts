import type { DemoTenantId } from "../../helpers/demo";

/**
 * The HELD-OUT set of the extractive copilot's quality suite (test/copilot/quality.test.ts): the
 * measuring stick for changes tuned on tuning.ts. Whoever tunes the copilot must not read these
 * questions, their expected refs or their failures; they read only the figures the suite prints.
 *
 * The questions are phrased as technicians and dispatchers talk (short, colloquial, the need
 * rather than the thing, abbreviations), over both demo tenants (scripts/demo-data.mjs), written
 * from the records as a user knows them and without reading the copilot's code. Classes:
 *   need   the question names the need, the record names the thing ("how do I get in?" → a lock box)
 *   wishes the customer's wishes, instructions or terms in everyday words (times, money, conditions)
 *   split  the answer is split over two records of the same job or site: every `allOf` group cited
 *   data   the answer sits only in a job event's typed `data` (an invoice, an ETA, a part number)
 *   job    a question narrowed to a job (`POST /v1/copilot/ask {jobId}`), some asked as its technician
 * Unanswerable questions are plausible near-misses (same site, other equipment; a fact the records
 * almost state; a visit that has not happened). Hidden questions are asked by a technician whose
 * jobs do not hold the answer: decline, or cite only records they may read, never the secret.
 *
 * Honesty rules:
 *  1. Every question here was written before the set was run the first time.
 *  2. After that first run only an expected ref or fact that is wrong about the data may be fixed
 *     (verified by reading the record), and each such fix is listed in the report that made it.
 *     A question is never reworded, added or dropped because the copilot missed it.
 *  3. Facts are short literal strings from the records, compared case-insensitively with the
 *     answer text; a case is right only if the answer cites one `anyOf` ref, a ref of every
 *     `allOf` group, and contains every fact.
 */

export type HeldOutClass = "need" | "wishes" | "split" | "data" | "job";

export interface HeldOutCase {
  class: HeldOutClass;
  tenant: DemoTenantId;
  question: string;
  /** Ask as this demo technician (default: the dispatcher, who sees everything). */
  as?: string;
  /** Narrow to this job, as `POST /v1/copilot/ask {jobId}` does. */
  jobId?: string;
  /** Records that state the answer: at least one must be cited. */
  anyOf: string[];
  /** Split answers: at least one ref of every group must be cited. */
  allOf?: string[][];
  /** Short literal strings from the records the answer must contain (case-insensitive). */
  facts: string[];
}

export interface HeldOutUnanswerable {
  tenant: DemoTenantId;
  question: string;
  as?: string;
  jobId?: string;
  /** What the records hold nearby, and why it does not answer. */
  nearMiss: string;
}

export interface HeldOutHidden {
  tenant: DemoTenantId;
  question: string;
  as: string;
  /** Text that exists only in records this technician may not read. */
  secret: string;
}

const A: DemoTenantId = "acme-hvac";
const N: DemoTenantId = "northwind-plumbing";

/** A split case: every group must be cited, any ref of a group counts. */
const split = (...groups: string[][]) => ({ anyOf: groups.flat(), allOf: groups });

export const HELD_OUT_ANSWERABLE: HeldOutCase[] = [
  // (a) The need, not the thing.
  { class: "need", tenant: A, question: "how do I get into the mech room at pinecrest?", anyOf: ["note:N-4034"], facts: ["6285"] },
  { class: "need", tenant: A, question: "bakery rtu - what belt do I bring?", anyOf: ["note:N-4077"], facts: ["BX-42"] },
  {
    class: "need",
    tenant: A,
    question: "whitfield coil, do we eat the cost or is it covered?",
    anyOf: ["note:N-4166"],
    facts: ["parts only"],
  },
  { class: "need", tenant: A, question: "how do I get up on the roof at summit ridge bldg B?", anyOf: ["note:N-4029"], facts: ["8643"] },
  {
    class: "need",
    tenant: A,
    question: "what size filters for the greenway rooftop?",
    anyOf: ["note:N-4155", "note:N-4158", "note:N-4210"],
    facts: ["20x25x2"],
  },
  {
    class: "need",
    tenant: A,
    question: "which igniter do I grab for the clubhouse furnace?",
    anyOf: ["note:N-4138"],
    facts: ["LH33WZ511"],
  },
  { class: "need", tenant: A, question: "where's the furnace at the estes park place?", anyOf: ["note:N-4146"], facts: ["garage closet"] },
  {
    class: "need",
    tenant: A,
    question: "what do I quote for the summit ridge boiler tank?",
    anyOf: ["note:N-4074", "note:N-4154"],
    facts: ["Extrol"],
  },
  { class: "need", tenant: A, question: "who has the boiler room key at evergreen?", anyOf: ["note:N-4160"], facts: ["building engineer"] },
  { class: "need", tenant: N, question: "how do I get up top at maaszicht block B?", anyOf: ["note:N-4025"], facts: ["4988"] },
  { class: "need", tenant: N, question: "anything nasty in the walls at the van dijks?", anyOf: ["note:N-4002"], facts: ["asbestos"] },
  {
    class: "need",
    tenant: N,
    question: "at the sports hall at 6 am, how do I not set anything off?",
    anyOf: ["note:N-4030"],
    facts: ["1522"],
  },
  { class: "need", tenant: N, question: "where do I leave the van at the hotel?", anyOf: ["note:N-4031"], facts: ["loading dock"] },

  // (b) The customer's wishes, instructions and terms.
  { class: "wishes", tenant: A, question: "ok to knock at the okafors' in centennial?", anyOf: ["note:N-4048"], facts: ["ring the bell"] },
  { class: "wishes", tenant: A, question: "earliest I can phone the okafors?", anyOf: ["note:N-4022"], facts: ["8 am"] },
  {
    class: "wishes",
    tenant: A,
    question: "blue heron after hours - how much can I spend before I have to call them?",
    anyOf: ["note:N-4017"],
    facts: ["750"],
  },
  { class: "wishes", tenant: A, question: "dr marsh, do I add tax?", anyOf: ["note:N-4006"], facts: ["tax-exempt"] },
  { class: "wishes", tenant: A, question: "what does the HOA need on our bills?", anyOf: ["note:N-4003"], facts: ["purchase order"] },
  {
    class: "wishes",
    tenant: A,
    question: "the church is picky about swapped parts, what do they want?",
    anyOf: ["note:N-4004"],
    facts: ["photos"],
  },
  {
    class: "wishes",
    tenant: A,
    question: "when can I get up in the ceiling at the lakewood office?",
    anyOf: ["note:N-4024"],
    facts: ["17:00"],
  },
  {
    class: "wishes",
    tenant: A,
    question: "does whitfield want a heads up before the coil swap?",
    anyOf: ["note:N-4207"],
    facts: ["evening before"],
  },
  { class: "wishes", tenant: A, question: "riverside rtu-2 call, when do they want a ring?", anyOf: ["note:N-4205"], facts: ["30 min"] },
  { class: "wishes", tenant: N, question: "does the hotel have to ok the price first?", anyOf: ["note:N-4009"], facts: ["500"] },
  { class: "wishes", tenant: N, question: "how does the regenboog school pay?", anyOf: ["note:N-4013"], facts: ["iDEAL"] },
  { class: "wishes", tenant: N, question: "when can I turn the water off at maaszicht?", anyOf: ["note:N-4208"], facts: ["10:00"] },
  {
    class: "wishes",
    tenant: N,
    question: "anything mrs hendriks always wants from us after a job?",
    anyOf: ["note:N-4019"],
    facts: ["meter cupboard"],
  },
  {
    class: "wishes",
    tenant: N,
    question: "how much notice before I kill the power at delfshaven?",
    anyOf: ["note:N-4029", "note:N-4054"],
    facts: ["15 minutes"],
  },
  { class: "wishes", tenant: N, question: "what time does de haven want us there by?", anyOf: ["note:N-4209"], facts: ["7:00"] },

  // (c) Split over two records of one job or site: both must be cited.
  {
    class: "split",
    tenant: A,
    question: "harborview rtu-2 chattering - how low did the coil volts go and what's the suspected cause?",
    ...split(["note:N-4192", "event:E-5126"], ["note:N-4193"]),
    facts: ["17", "40 VA"],
  },
  {
    class: "split",
    tenant: A,
    question: "whitfield AC: how short on charge was it and where's it leaking?",
    ...split(["note:N-4110", "event:E-5052"], ["note:N-4165", "note:N-4111"]),
    facts: ["26", "U-bend"],
  },
  {
    class: "split",
    tenant: A,
    question: "evergreen boiler keeps dropping out on low water, what's causing it and how bad's the water?",
    ...split(["note:N-4132", "event:E-5070"], ["note:N-4183", "event:E-5118"]),
    facts: ["scale", "10.4"],
  },
  {
    class: "split",
    tenant: A,
    question: "school server room split: what did we fix in october and how hot did the room get this time?",
    ...split(["note:N-4134", "note:N-4135", "event:E-5073"], ["note:N-4200"]),
    facts: ["terminal", "88"],
  },
  {
    class: "split",
    tenant: A,
    question: "marsh water heater leak: what's the house pressure and is it still under warranty?",
    ...split(["note:N-4067"], ["note:N-4069"]),
    facts: ["97 psi", "expired"],
  },
  {
    class: "split",
    tenant: A,
    question: "summit ridge bldg A water heater - what did the thermocouple read and how old's the tank?",
    ...split(["note:N-4186"], ["note:N-4188"]),
    facts: ["11 mV", "7 years"],
  },
  {
    class: "split",
    tenant: A,
    question: "okafor rental tankless: how far does the gas drop and how long is the gas run?",
    ...split(["note:N-4098"], ["note:N-4100"]),
    facts: ["2.6", "40 ft"],
  },
  {
    class: "split",
    tenant: A,
    question: "harborview rtu-3 leak, where was it and what's the plan if it loses charge again?",
    ...split(["note:N-4124"], ["note:N-4126"]),
    facts: ["U-bend", "30 days"],
  },
  {
    class: "split",
    tenant: N,
    question: "de haven boiler F28 again - how low does the gas go and why?",
    ...split(["note:N-4178", "event:E-5114"], ["note:N-4179"]),
    facts: ["16.9", "G4"],
  },
  {
    class: "split",
    tenant: N,
    question: "van dijk heat pump: what flow did it have and what part do we think is bad?",
    ...split(["note:N-4128", "event:E-5068"], ["note:N-4129", "job:J-3041"]),
    facts: ["7.5", "flow sensor"],
  },
  {
    class: "split",
    tenant: N,
    question: "delfshaven office RCD: which circuit was leaking and what did we do with it?",
    ...split(["note:N-4102", "event:E-5045"], ["note:N-4103"]),
    facts: ["circuit 7", "do not reconnect"],
  },
  {
    class: "split",
    tenant: N,
    question: "hotel annex boiler losing pressure - what did piet find and what'd he fill it to?",
    ...split(["note:N-4090"], ["note:N-4091"]),
    facts: ["0.2 bar", "1.6 bar"],
  },
  {
    class: "split",
    tenant: N,
    question: "block A backflow, what did it fail on and did it pass after the rebuild?",
    ...split(["note:N-4093", "event:E-5033"], ["note:N-4159", "event:E-5093"]),
    facts: ["0.08", "PASS"],
  },

  // (d) Only in a job event's typed data.
  {
    class: "data",
    tenant: A,
    question: "what'd we bill harborview for the leaking water heater?",
    anyOf: ["event:E-5057"],
    facts: ["1034"],
  },
  {
    class: "data",
    tenant: A,
    question: "when's the hard-start kit for harborview due in?",
    anyOf: ["event:E-5127"],
    facts: ["2026-11-20"],
  },
  {
    class: "data",
    tenant: A,
    question: "who'd we get the bakery's damper motor from?",
    anyOf: ["event:E-5082"],
    facts: ["Carrier Enterprise"],
  },
  { class: "data", tenant: A, question: "school rtu-2 damper motor, when's it landing?", anyOf: ["event:E-5131"], facts: ["2026-11-21"] },
  {
    class: "data",
    tenant: A,
    question: "where'd the clubhouse inducer come from?",
    anyOf: ["event:E-5115"],
    facts: ["Carrier Enterprise"],
  },
  { class: "data", tenant: A, question: "what did copperline get billed for the leak hunt?", anyOf: ["event:E-5029"], facts: ["831"] },
  {
    class: "data",
    tenant: A,
    question: "how long a thermocouple went in at summit ridge?",
    anyOf: ["event:E-5122"],
    facts: ["24 in"],
  },
  {
    class: "data",
    tenant: A,
    question: "how many hours did the october harborview contactor job take?",
    anyOf: ["event:E-5024"],
    facts: ["2.5"],
  },
  { class: "data", tenant: N, question: "van dijk flow sensor part number?", anyOf: ["event:E-5130"], facts: ["5023456"] },
  { class: "data", tenant: N, question: "who supplies the block A RPZ rebuild kit?", anyOf: ["event:E-5034"], facts: ["Technische Unie"] },
  {
    class: "data",
    tenant: N,
    question: "what did we charge for the garden lighting trip at the holiday cottage?",
    anyOf: ["event:E-5008"],
    facts: ["1112"],
  },
  { class: "data", tenant: N, question: "how much was the remeha fix at the dentist?", anyOf: ["event:E-5119"], facts: ["457"] },
  {
    class: "data",
    tenant: N,
    question: "what was the bill for the cottage water heater element?",
    anyOf: ["event:E-5063"],
    facts: ["1057"],
  },

  // (e) Narrowed to a job, some asked as its technician.
  {
    class: "job",
    tenant: A,
    jobId: "J-3042",
    as: "ana.tech",
    question: "what time do they lock up?",
    anyOf: ["note:N-4208"],
    facts: ["17:00"],
  },
  {
    class: "job",
    tenant: A,
    jobId: "J-3041",
    as: "carla.tech",
    question: "where do I pick up the coil?",
    anyOf: ["note:N-4207"],
    facts: ["Ferguson Boulder"],
  },
  {
    class: "job",
    tenant: A,
    jobId: "J-3034",
    as: "ben.tech",
    question: "what's it pulling on start?",
    anyOf: ["note:N-4192"],
    facts: ["98 A"],
  },
  {
    class: "job",
    tenant: A,
    jobId: "J-3036",
    as: "carla.tech",
    question: "what'd the thermocouple read?",
    anyOf: ["note:N-4199"],
    facts: ["9 mV"],
  },
  {
    class: "job",
    tenant: A,
    jobId: "J-3035",
    as: "ben.tech",
    question: "what part's on order?",
    anyOf: ["event:E-5131"],
    facts: ["LF24-SR"],
  },
  { class: "job", tenant: A, jobId: "J-3039", question: "what kind of unit is it?", anyOf: ["note:N-4204"], facts: ["YSC060G3RHA"] },
  {
    class: "job",
    tenant: A,
    jobId: "J-3037",
    as: "ben.tech",
    question: "is the board covered?",
    anyOf: ["note:N-4201", "event:E-5135"],
    facts: ["warranty"],
  },
  { class: "job", tenant: A, jobId: "J-3029", as: "ben.tech", question: "what belt's on it?", anyOf: ["note:N-4175"], facts: ["A-38"] },
  {
    class: "job",
    tenant: A,
    jobId: "J-3013",
    as: "carla.tech",
    question: "what's the serial?",
    anyOf: ["note:N-4110"],
    facts: ["20936983FS"],
  },
  {
    class: "job",
    tenant: N,
    jobId: "J-3043",
    as: "olga.tech",
    question: "when's stedin coming?",
    anyOf: ["note:N-4204", "job:J-3043"],
    facts: ["1 Dec"],
  },
  {
    class: "job",
    tenant: N,
    jobId: "J-3034",
    as: "piet.tech",
    question: "what sockets are going in?",
    anyOf: ["note:N-4187", "job:J-3034"],
    facts: ["IP66"],
  },
  { class: "job", tenant: N, jobId: "J-3036", as: "rosa.tech", question: "where's the tank?", anyOf: ["note:N-4191"], facts: ["attic"] },
  {
    class: "job",
    tenant: N,
    jobId: "J-3041",
    as: "piet.tech",
    question: "is the part covered?",
    anyOf: ["note:N-4202"],
    facts: ["5 years"],
  },
  {
    class: "job",
    tenant: N,
    jobId: "J-3040",
    as: "rosa.tech",
    question: "when do they want a call?",
    anyOf: ["note:N-4201"],
    facts: ["30 min"],
  },
  {
    class: "job",
    tenant: N,
    jobId: "J-3035",
    as: "rosa.tech",
    question: "what was the vessel precharge?",
    anyOf: ["note:N-4190"],
    facts: ["1 bar"],
  },
];

export const HELD_OUT_UNANSWERABLE: HeldOutUnanswerable[] = [
  { tenant: A, question: "gate code at the okafor rental?", nearMiss: "the rental's notes are about parking and texting; gates elsewhere" },
  {
    tenant: A,
    question: "what was the superheat on the church rtu-2?",
    nearMiss: "J-3039 is not done yet; Harborview's RTU-2 has superheats",
  },
  { tenant: A, question: "alarm code for the pinecrest gym?", nearMiss: "the gym has no alarm note; the campus has a lock box code" },
  {
    tenant: A,
    question: "how much refrigerant went into harborview rtu-2 last week?",
    nearMiss: "the November visit added none; other units had charge weighed in",
  },
  {
    tenant: A,
    question: "model of the whitfield heat pump?",
    nearMiss: "the Whitfields have AC-1 and FURN-1; the Daikin HP-1 is Dr. Marsh's",
  },
  { tenant: A, question: "any dogs at the estes park cabin?", nearMiss: "the dog note is on the Whitfields' Boulder residence" },
  {
    tenant: A,
    question: "what was the CO in the flue at the estes park furnace?",
    nearMiss: "not measured there; the clubhouse furnace has flue CO",
  },
  {
    tenant: A,
    question: "what vacuum did we pull on the whitfield coil swap?",
    nearMiss: "J-3041 is scheduled, not done; other jobs pulled vacuum",
  },
  { tenant: A, question: "where do I park at kessler diaz?", nearMiss: "the law offices have an alarm note, no parking note" },
  { tenant: A, question: "hourly labor rate on the whitfield quote?", nearMiss: "the quote has a total only" },
  { tenant: A, question: "amps on the bakery rtu-2 compressor?", nearMiss: "the bakery has RTU-1 only" },
  {
    tenant: A,
    jobId: "J-3043",
    as: "dev.tech",
    question: "where's the damper stuck?",
    nearMiss: "J-3043 (RTU-1) has no visit yet; RTU-2 on J-3035 was stuck at 41%",
  },
  {
    tenant: A,
    question: "what's the expansion tank pressure on the evergreen boiler?",
    nearMiss: "the tank is only said to be waterlogged; system pressures are not the tank's",
  },
  { tenant: N, question: "gate code at the hendriks place?", nearMiss: "the residence has a key safe code, no gate" },
  { tenant: N, question: "stedin ticket for the brewery?", nearMiss: "only Café De Haven has a Stedin ticket" },
  {
    tenant: N,
    question: "flow on the kantoor delfshaven annex heat pump?",
    nearMiss: "J-3037 was cancelled; the care home annex heat pump has flows",
  },
  { tenant: N, question: "RPZ cert number for the gym hall?", nearMiss: "J-3042 is scheduled; other RPZ tests have certificates" },
  {
    tenant: N,
    question: "NEN 3140 report number for studio loft?",
    nearMiss: "J-3027 was cancelled; other inspections have report numbers",
  },
  { tenant: N, question: "CO reading on the het anker CV-2?", nearMiss: "J-3044 was cancelled; other boilers have CO readings" },
  { tenant: N, question: "alarm code at the schiedam brewery?", nearMiss: "the brewery has a lock box code, no alarm" },
  {
    tenant: N,
    question: "evides deadline for hotel noordereiland's backflow test?",
    nearMiss: "the hotel has no RPZ job, only its contract",
  },
  { tenant: N, question: "mrs hendriks' dog's name?", nearMiss: "no dog at the Hendriks residence; Max is at Sint-Jobsweg" },
  { tenant: N, question: "what firmware is the hotel's EV charger on?", nearMiss: "the hotel has no charger; Kantoor Delfshaven has one" },
  {
    tenant: N,
    question: "when was the sint-jobsweg water heater installed?",
    nearMiss: "its serial and hardness are recorded, not its age",
  },
  { tenant: N, question: "what's the water hardness at the van dijk house?", nearMiss: "hardness is recorded at other sites only" },
  {
    tenant: N,
    jobId: "J-3036",
    as: "rosa.tech",
    question: "what wattage element am I putting in?",
    nearMiss: "J-3036 has not replaced it yet; other jobs fitted 3000 W and 2200 W",
  },
  {
    tenant: N,
    jobId: "J-3043",
    as: "olga.tech",
    question: "what's the gas pressure after the meter swap?",
    nearMiss: "the swap has not happened; pressures before it are recorded",
  },
];

export const HELD_OUT_HIDDEN: HeldOutHidden[] = [
  { tenant: A, as: "ben.tech", question: "part number on the whitfield coil?", secret: "4TXCC004DS3HCA" },
  { tenant: A, as: "dev.tech", question: "what transformer is going on harborview rtu-2?", secret: "75 VA" },
  { tenant: A, as: "dev.tech", question: "which igniter went into the clubhouse furnace?", secret: "LH33WZ511" },
  { tenant: A, as: "ana.tech", question: "what ph was the evergreen boiler water?", secret: "10.4" },
  { tenant: A, as: "carla.tech", question: "how hot did the school server room get overnight?", secret: "88°F" },
  { tenant: A, as: "ben.tech", question: "what's the whitfield labor quote?", secret: "Q-2291" },
  { tenant: N, as: "quinn.tech", question: "what's the stedin ticket for de haven?", secret: "ST-2026-118842" },
  { tenant: N, as: "olga.tech", question: "van dijk flow sensor part number?", secret: "5023456" },
  { tenant: N, as: "piet.tech", question: "which cert did the dentist's RPZ get?", secret: "BA-2026-7823" },
  { tenant: N, as: "rosa.tech", question: "what firmware was the delfshaven charger on?", secret: "4.12.3" },
];
