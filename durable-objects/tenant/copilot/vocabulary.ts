import { VALUE_MARKERS } from "./values";

/**
 * The trade's vocabulary as data: synonyms, concepts (needs and the members that answer them),
 * answer parts, and compound words the records write apart. lexicon.ts says what they mean and
 * applies them to a question. Over 300 lines on purpose: it is tables only (no logic), one list per
 * kind of word, and splitting them would scatter one vocabulary over several files.
 */
export const SYNONYM_GROUPS = [
  ["replace", "install", "fit", "swap", "fitted"],
  ["labor", "labour"],
  ["fail", "fault", "broke", "broken"],
  ["cost", "price", "quote"],
  ["contact", "call", "phone", "text", "e-mail", "email"],
  ["vacuum", "evacuate", "evacuated"],
  ["board", "pcb"],
  ["search", "hunt"],
  ["close", "shut"],
  ["recommend", "advise", "suggest"],
  ["announce", "warn"],
];

/**
 * Equipment the records name by its tag ("WH-1 Rheem …: pilot will not stay lit") and questions
 * by what it is ("the water heater"): the tag's letters stand for the name's words, as a synonym
 * does. (Tags are two or three letters, too short for SYNONYM_GROUPS.)
 */
export const EQUIPMENT_TAGS: [string, string[]][] = [
  ["wh", ["heater"]],
  ["blr", ["boiler"]],
  ["cv", ["boiler"]],
  ["furn", ["furnace"]],
  ["hp", ["pump"]],
  ["rtu", ["rooftop"]],
  ["ms", ["split"]],
  ["rpz", ["backflow"]],
  ["ev", ["charger"]],
];

export interface Concept {
  name: string;
  /** Phrases of the question (lower-cased, apostrophes kept) that name the need. */
  cues: RegExp;
  /** Words (stemmed here) and value markers that answer it. */
  members: string[];
}

const { date, time, money, reading, size } = VALUE_MARKERS;
export const CONCEPTS: Concept[] = [
  {
    name: "#access",
    cues: /\b(?:(?<!\bit )get(?:ting)? (?:in|into|inside|up on|on|onto|up to|up there|to)|up top|lets? (?:me|us|them) in(?:to)?|way in|entry|enter|(?:punch|key|tap) in)\b/,
    members: [
      "access",
      "key",
      "lock",
      "lockbox",
      "gate",
      "code",
      "alarm",
      "hatch",
      "ladder",
      "door",
      "entrance",
      "badge",
      "padlock",
      "escort",
    ],
  },
  {
    name: "#parking",
    cues: /\b(?:leave (?:the|my|our) (?:van|truck|car)|where (?:do|can|should) (?:i|we) (?:stop|pull up))\b/,
    members: ["park", "parking", "spot", "lot", "garage", "street", "dock"],
  },
  {
    name: "#hazard",
    cues: /\b(?:watch (?:out )?for|watch out|look out|be careful|careful|hazards?|dangers?|dangerous|safety|safe to)\b/,
    members: ["dog", "asbestos", "hazard", "danger", "caution", "careful", "warning", "jump", "ppe", "shoe"],
  },
  { name: "#animal", cues: /\b(?:pets?|animals?)\b/, members: ["dog", "cat", "pet", "animal"] },
  {
    name: "#contact",
    cues: /\b(?:be reached|reach (?:them|him|her|the (?:customer|owner|client|office))|get hold of|heads[- ]up|call ahead|let (?:them|him|her) know|notify|get in touch|hear|tell (?:them|him|her)|on (?:our|my|the) way|send (?:\w+ )?to|(?:best )?way to reach|reach the \w+|(?<=\bwhen (?:i|we)(?:'ll| will)? )(?:turn|show) up)\b/,
    members: ["contact", "call", "phone", "text", "message", "e-mail", "email", "whatsapp", "arrival"],
  },
  {
    name: "#payment",
    cues: /\b(?:pays?|paying|payment|billing|billed|settle up|on (?:a|the|their) bill|charge (?:them|him|her|the \w+|sales tax|tax|vat))\b/,
    members: ["pay", "billing", "invoice", "card", "tax", "receipt", "purchase", "ideal"],
  },
  {
    name: "#approval",
    cues: /\b(?:spend|without (?:asking|ringing|calling|checking)(?: (?:them|him|her|first))*|go ahead|need an? (?:ok|okay)|(?<=\bneed (?:the \w+(?:'s)?|their|his|her) )(?:ok|okay|approval|go-ahead)|need approval|sign[- ]off|authori[sz]ed?)\b/,
    members: ["approve", "approval", "authorise", "authorize", money],
  },
  {
    name: "#when",
    cues: /\b(?:what time(?: of (?:the )?day)?|time of day|when (?:is|are|was|were|will|does|do|did|can|should)|how early|how late|earliest|latest|what date|expecting (?:me|us|you))\b/,
    members: [
      "morning",
      "afternoon",
      "evening",
      "hours",
      "open",
      "appointment",
      "slot",
      "renew",
      "until",
      "next",
      "due",
      "eta",
      time,
      date,
    ],
  },
  {
    name: "#warranty",
    cues: /\b(?:covered|guarantee[ds]?|under (?:the )?(?:maker|manufacturer))\b/,
    members: ["warranty", "cover", "claim", "guarantee"],
  },
  {
    name: "#validity",
    cues: /\b(?:still (?:valid|good|active|running|in force)|run out|lapsed?|expir(?:e|es|ed|y)|(?:up|due) for renewal|renewal)\b/,
    members: ["valid", "expire", "until", "renew", date],
  },
  {
    name: "#display",
    cues: /\b(?:flash(?:ing|ed|es)?|blink(?:ing|ed|s)?|throw(?:ing|n|s)?|display(?:ing|ed|s)?)\b/,
    members: ["code", "display", "show", "error", "alarm", "fault"],
  },
  {
    name: "#location",
    // Not "where is …": that is answered in as many ways as there are places ("via the east stairwell").
    cues: /\b(?:located|location|where (?:will|do|can|would|should) (?:i|we) find)\b/,
    members: [
      "closet",
      "room",
      "attic",
      "basement",
      "garage",
      "roof",
      "yard",
      "shed",
      "cupboard",
      "cabinet",
      "hallway",
      "loft",
      "shelf",
      "stored",
      "kept",
      "behind",
      "address",
    ],
  },
  {
    name: "#part",
    cues: /\b(?:(?:which|what) parts?|parts? (?:do|did|does|should) (?:i|we) (?:need|bring|order)|on order|what did (?:we|they|you) use)\b/,
    members: ["part", "order", "kit", "supplier"],
  },
  {
    name: "#due",
    cues: /\b(?:due in|due to arrive|(?:supposed|meant) to (?:land|arrive|come in|get here)|(?:it|they|the [\w-]+|parts?) (?:arrives?|arriving|gets? here|comes? in|lands?|show(?:s|ing)? up)|deliver(?:y|ed)?|eta)\b/,
    members: ["eta", "deliver", date],
  },
  {
    name: "#supplier",
    cues: /\b(?:supplying|supplies|which supplier|who sells|ordered (?:it )?from|com(?:e|es|ing) from|who (?:are|is|do|did) (?:we|you|they) (?:getting|buying|ordering))\b/,
    members: ["supplier", "supply"],
  },
  {
    name: "#duration",
    cues: /\b(?:how long (?:were|was|did|does|do|will)|how many hours)\b/,
    members: ["hour", "labor", "min"],
  },
  {
    name: "#billed",
    // Only the verb is the cue: "what did the clubhouse igniter job cost?" keeps what it is about.
    cues: /(?<=\bwhat did (?:we|they|it|the(?: [\w-]+){1,4}) )(?:bill|charge|invoice|cost)\b|\b(?:what was the bill|what(?:'s| is| was) the invoice)\b/,
    members: ["invoice", "amount", money],
  },
  {
    name: "#dispatch",
    cues: /\bwho (?:put|sent|assigned|dispatched|booked)\b/,
    members: ["dispatch", "assign"],
  },
  {
    name: "#bring",
    cues: /\b(?:what (?:gear|tools?|kit|equipment)|(?:need|have|got) to bring|should (?:i|we) bring|bring along)\b/,
    members: ["bring", "filter", "detector", "tool", "nitrogen", "analyzer", "qty"],
  },
  {
    name: "#pickup",
    cues: /\b(?:pick (?:it |them |the [\w-]+ )?up|collect (?:it|them|the [\w-]+))\b/,
    members: ["arrive", "will-call", "shelf", "shop", "tagged", "ticket"],
  },
  {
    name: "#language",
    cues: /\b(?:languages?|speaks?|speaking|english|dutch)\b/,
    members: ["speak", "english", "dutch", "language"],
  },
  {
    name: "#wear",
    cues: /\b(?:(?:do|should|must) (?:i|we) wear|dress code|ppe|protective)\b/,
    members: ["wear", "shoe", "cover", "badge", "ppe"],
  },
  {
    name: "#checkin",
    cues: /\b(?:(?:report|check|sign) in|when (?:i|we) (?:arrive|get there)|on arrival|who do (?:i|we) see)\b/,
    members: ["check", "sign", "front", "desk", "reception", "log", "badge", "escort"],
  },
  {
    name: "#shutoff",
    cues: /\b(?:(?:turn|shut|switch|cut|kill) (?:the )?(?:water|power|gas|electricity) off|(?:turn|shut|switch|cut|kill) off (?:the )?(?:water|power|gas|electricity)|(?:cut|kill|isolate) (?:the )?(?:water|power|gas|electricity)|shut-?off)\b/,
    members: ["shut", "announce", "off"],
  },
  {
    name: "#result",
    cues: /\b(?:did (?:it|they|the [\w-]+) (?:pass|fail)|pass(?:ed)? or fail(?:ed)?)\b/,
    members: ["pass", "fail", "result"],
  },
  {
    name: "#followup",
    cues: /\b(?:follow[- ]?ups?|come back|go back|return visit|another visit)\b/,
    members: ["follow", "recommend", "recheck"],
  },
  {
    name: "#discount",
    cues: /\b(?:money off|discount(?:s|ed)?|(?:a )?deal on|knock (?:anything|something|money) off|cheaper)\b/,
    members: ["discount", "agreement"],
  },
  { name: "#amount", cues: /\bhow (?:much|many)\b(?! hours?\b)/, members: [reading, money, size] },
  {
    name: "#reading",
    cues: /\b(?:read|reading|size|how (?:big|deep|low|high|hot|cold|warm|much pressure)|what (?:did|does) (?:it|the \w+) (?:show|read|measure|do))\b/,
    members: [reading, size, "temperature"],
  },
  {
    name: "#occupant",
    cues: /\b(?:who lives|living there|who(?:'s| is) (?:there|home|on site)|occupants?|residents?)\b/,
    members: ["occupant", "resident", "elderly", "tenant", "baby", "patient", "family"],
  },
];

/**
 * Parts of an answer a question asks for besides its terms: "why" wants the reason, "what was
 * wrong" the finding, "what did we do" the action. They do not rank passages (a reason is worded a
 * hundred ways); once the best passage is chosen, an answer that lacks one is completed from
 * another record of the same job (extractive.ts), so "why did it fail, and what did the voltage
 * drop to?" cites both records. The words that asked for a part leave the question's terms, as a
 * concept's cue words do.
 */
export const PARTS: Concept[] = [
  {
    name: "?reason",
    cues: /\b(?:why|what caused|what made|how come|cause of|reason)\b/,
    members: ["suspect", "cause", "because", "undersized", "likely"],
  },
  {
    name: "?finding",
    cues: /\b(?:what(?:'s| is| was) (?:wrong|off)|(?:what|something) went wrong|what (?:was|is) the (?:problem|issue|fault|matter)|what(?:'s| is| was) up with|what failed|what did (?:they|you|we|he|she) find|(?<=\bwhat did (?:the )?[\w -]{1,40}? )turn(?:ed)? up)\b/,
    members: ["fault", "found", "leak", "fail", "corrosion", "pitted", "worn", "cracked", "dirty", "stuck", "burnt"],
  },
  {
    name: "?action",
    cues: /\b(?:what did (?:we|they|you|he|she) (?:do|replace|swap|change|fit|install)|how did (?:we|they|you) (?:fix|sort|solve|repair)|what (?:fixed|sorted|solved) it|what (?:went|got put) in|what (?:was|got) (?:done|replaced|swapped|changed))\b/,
    members: [
      "replace",
      "clean",
      "rebuilt",
      "rebuild",
      "install",
      "fit",
      "recharge",
      "reset",
      "update",
      "descale",
      "repair",
      "flush",
      "relit",
      "adjust",
      "refill",
    ],
  },
];

/**
 * Words that frame a question without saying what it is about: the heads of negated contractions
 * ("wouldn't", "didn't": the tail "t" is too short to be a term) that text.ts's stopwords miss. Not
 * "haven" and "won": they are also words and names ("Café De Haven").
 */
export const FRAMING = [
  ...["wouldn", "didn", "doesn", "isn", "wasn", "weren", "couldn", "shouldn", "hasn", "hadn", "aren"],
  // Words that place or move what is asked without naming it ("how low does the gas go", "what
  // was it pulling once fixed", "what made it trip", "did it quit").
  ...["go", "goes", "gets", "made", "once", "afterward", "afterwards", "quit"],
];

/** Compound words the records write apart. */
export const COMPOUNDS: [RegExp, string][] = [
  [/\bpo\b/g, "purchase order"],
  [/\bdoorbell\b/g, "door bell"],
  [/\blockbox\b/g, "lock box"],
  [/\bkeysafe\b/g, "key safe"],
];
