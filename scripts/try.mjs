/**
 * `npm run try`: every example of README.md, run exactly as written, checked against what the
 * README says it prints; so the README and the system cannot drift apart.
 *
 *   1. reads the README's `sh` blocks; an example block has `# ⇒` lines after each command saying
 *      what the command prints (the README's "Try it" section explains the notation);
 *   2. starts a fresh `npm start` (scripts/start.mjs) on a free port with its own temporary state
 *      (the README's commands name 127.0.0.1:8787; that one address is rewritten to the port
 *      chosen, so a server you already run on 8787 is left alone);
 *   3. runs the examples top to bottom, each block in one bash (variables carry from command to
 *      command, as in a terminal), in a scratch directory inside the project (so `npx node` finds
 *      the project's Node 22 and files such as northwind.ndjson land there, not in your checkout);
 *   4. stops the server, starts it again on the same state and runs every example a second time
 *      (the README promises its examples can be run again, after a restart);
 *   5. stops everything it started (on success, failure, Ctrl-C or SIGTERM) and exits 0 only if
 *      every answer matched; otherwise it prints what the README said and what came back.
 *
 * Options (environment): TRY_KEEP=1 keeps the scratch directory and the server log.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort, startServer } from "./local-server.mjs";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const README_PORT = "127.0.0.1:8787";
const EXPECT = /^# ⇒ ?(.*)$/;
const BLOCK_TIMEOUT_MS = 120_000;

// ------------------------------------------------------------------ the README's examples

/**
 * The example blocks of a README: `{ line, steps: [{ line, command, expect: [lines] }] }`. A
 * block is an example when it has `# ⇒` lines; a block that calls the local server without them
 * is an error (an example nobody checks), and so is a command after the block's last `# ⇒`.
 */
export function readExamples(markdown) {
  const lines = markdown.split("\n");
  const blocks = [];
  const problems = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i])) continue;
    const start = i + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end])) end++;
    const body = lines.slice(start, end);
    i = end;
    const hasExpectations = body.some((l) => EXPECT.test(l));
    const callsServer = body.some((l) => l.includes(README_PORT) && /\b(curl|npx node|fetch|WebSocket)\b/.test(l));
    if (!hasExpectations) {
      if (callsServer) problems.push(`README.md:${start}: this block calls ${README_PORT} but says nothing it prints (add # ⇒ lines)`);
      continue;
    }
    const steps = [];
    let command = [];
    let commandLine = 0;
    for (let j = 0; j < body.length; j++) {
      const m = EXPECT.exec(body[j]);
      if (m) {
        const last = steps.at(-1);
        // Consecutive ⇒ lines belong to the command above them.
        if (command.length === 0 && last && EXPECT.test(body[j - 1] ?? "")) last.expect.push(m[1]);
        else if (command.some((l) => l.trim() !== "" && !l.trim().startsWith("#"))) {
          steps.push({ line: commandLine, command: command.join("\n"), expect: [m[1]] });
          command = [];
        } else problems.push(`README.md:${start + j + 1}: a # ⇒ line without a command above it`);
        continue;
      }
      if (command.length === 0) commandLine = start + j + 1;
      command.push(body[j]);
    }
    if (command.some((l) => l.trim() !== "" && !l.trim().startsWith("#")))
      problems.push(`README.md:${commandLine}: a command without # ⇒ lines after it`);
    blocks.push({ line: start, steps });
  }
  return { blocks, problems };
}

// ------------------------------------------------------------------ comparing an answer with the README

/**
 * What a `# ⇒` says, checked against what the command printed. Returns null when it matches, else
 * a one-line reason. Forms:
 *   # ⇒ {json} [or {json} ...]   the output is one JSON value containing one of these
 *                                 (objects: these keys, recursively; arrays: each element shown
 *                                 is contained in some element of the answer; the rest is equal)
 *   # ⇒ (nothing)                 the command prints nothing
 *   # ⇒ text …                    lines of text, in this order among the lines printed; … is any text
 */
export function compare(expect, stdout) {
  const first = expect[0] ?? "";
  if (expect.length === 1 && first.trim() === "(nothing)") return stdout.trim() === "" ? null : "expected no output";
  if (expect.length === 1 && /^[[{]/.test(first.trim())) {
    const alternatives = splitAlternatives(first);
    let actual;
    try {
      actual = JSON.parse(stdout);
    } catch {
      return "expected one JSON value, got other output";
    }
    const reasons = [];
    for (const alternative of alternatives) {
      const reason = contains(actual, alternative, "$");
      if (reason === null) return null;
      reasons.push(reason);
    }
    return reasons.join("; or ");
  }
  const out = stdout.split("\n");
  let at = 0;
  for (const pattern of expect) {
    const re = new RegExp(`^${pattern.split("…").map(escapeRegExp).join(".*")}$`);
    while (at < out.length && !re.test(out[at])) at++;
    if (at === out.length) return `no line like "${pattern}" (in this order)`;
    at++;
  }
  return null;
}

function splitAlternatives(text) {
  const parts = text.split(/\s+or\s+(?=[[{])/);
  return parts.map((part) => {
    try {
      return JSON.parse(part);
    } catch {
      throw new Error(`the README's expectation is not JSON: ${part}`);
    }
  });
}

const escapeRegExp = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function contains(actual, expected, where) {
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual)) return `${where}: expected an array, got ${brief(actual)}`;
    for (const [i, item] of expected.entries())
      if (!actual.some((a) => contains(a, item, where) === null)) return `${where}[${i}]: no element contains ${brief(item)}`;
    return null;
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return `${where}: expected an object, got ${brief(actual)}`;
    for (const [key, value] of Object.entries(expected)) {
      if (!(key in actual)) return `${where}.${key}: missing`;
      const reason = contains(actual[key], value, `${where}.${key}`);
      if (reason !== null) return reason;
    }
    return null;
  }
  return Object.is(actual, expected) ? null : `${where}: expected ${brief(expected)}, got ${brief(actual)}`;
}

const brief = (value) => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
};

// ------------------------------------------------------------------ running a block

/** The bash running a block right now (its own process group), for a stop in the middle. */
let runningBlock = null;
/** Set by SIGINT/SIGTERM/SIGHUP: no further block runs, nothing more is reported. */
let interrupted = false;

function killRunningBlock() {
  if (runningBlock === null) return;
  try {
    process.kill(-runningBlock.pid, "SIGKILL");
  } catch {
    // Gone already.
  }
  runningBlock = null;
}

/** Runs a block's steps in one bash; returns each step's `{stdout, stderr, code}`. */
function runBlock(block, { port, workDir, outDir }) {
  const script = ["set +e", `cd ${JSON.stringify(workDir)}`];
  block.steps.forEach((step, i) => {
    const command = step.command.replaceAll(README_PORT, `127.0.0.1:${port}`);
    const out = (ext) => JSON.stringify(path.join(outDir, `${i}.${ext}`));
    script.push(`{\n${command}\n} >${out("out")} 2>${out("err")} </dev/null; echo $? >${out("code")}`);
  });
  return new Promise((resolve) => {
    const bash = spawn("bash", ["-c", script.join("\n")], { cwd: workDir, stdio: ["ignore", "inherit", "inherit"], detached: true });
    runningBlock = bash;
    const timer = setTimeout(killRunningBlock, BLOCK_TIMEOUT_MS);
    bash.once("exit", () => {
      clearTimeout(timer);
      if (runningBlock === bash) runningBlock = null;
      const read = (i, ext) => {
        try {
          return readFileSync(path.join(outDir, `${i}.${ext}`), "utf8");
        } catch {
          return null;
        }
      };
      resolve(
        block.steps.map((_, i) => ({
          stdout: read(i, "out") ?? "",
          stderr: read(i, "err") ?? "",
          code: read(i, "code") === null ? null : Number(read(i, "code")),
        })),
      );
    });
  });
}

const indent = (text, prefix = "      ") =>
  text
    .trimEnd()
    .split("\n")
    .map((l) => prefix + l)
    .join("\n");

function clip(text, max = 1_500) {
  return text.length > max ? `${text.slice(0, max)}\n... (${text.length - max} more characters)` : text;
}

/** Why a step's result is not what the README says, or null when it is. */
function verdict(step, result) {
  if (result.code === null) return "did not run to its end (an earlier command hung or the block timed out)";
  if (result.code !== 0) return `exited with code ${result.code}`;
  try {
    return compare(step.expect, result.stdout);
  } catch (error) {
    return error.message;
  }
}

/** One pass over every example; returns the number of answers that differ. */
async function runPass(name, blocks, context) {
  process.stdout.write(`\n[try] ${name}\n`);
  let failures = 0;
  for (const [b, block] of blocks.entries()) {
    const outDir = path.join(context.scratch, `${name.replace(/\W+/g, "-")}-${b}`);
    mkdirSync(outDir, { recursive: true });
    if (interrupted) break;
    const results = await runBlock(block, { ...context, outDir });
    if (interrupted) break;
    block.steps.forEach((step, i) => {
      const result = results[i];
      const title = step.command
        .split("\n")
        .filter((l) => l.trim() !== "" && !l.trim().startsWith("#"))[0]
        .slice(0, 110);
      const reason = verdict(step, result);
      if (reason === null) {
        process.stdout.write(`  ok    README.md:${step.line}  ${title}\n`);
        return;
      }
      failures++;
      process.stdout.write(
        [
          `  FAIL  README.md:${step.line}  ${title}`,
          `    ${reason}`,
          `    the README says:`,
          indent(step.expect.map((e) => `# ⇒ ${e}`).join("\n")),
          `    it printed:`,
          indent(clip(result.stdout) || "(nothing)"),
          ...(result.stderr.trim() ? ["    on stderr:", indent(clip(result.stderr))] : []),
          "",
        ].join("\n"),
      );
    });
  }
  return failures;
}

// ------------------------------------------------------------------ main

async function main() {
  const { blocks, problems } = readExamples(readFileSync(path.join(ROOT, "README.md"), "utf8"));
  if (problems.length > 0) {
    for (const p of problems) process.stderr.write(`[try] ${p}\n`);
    return 1;
  }
  const steps = blocks.reduce((n, b) => n + b.steps.length, 0);
  process.stdout.write(`[try] ${steps} commands in ${blocks.length} example blocks of README.md\n`);

  mkdirSync(path.join(ROOT, ".wrangler"), { recursive: true });
  const scratch = mkdtempSync(path.join(ROOT, ".wrangler", "try-"));
  const stateDir = path.join(scratch, "state");
  const workDir = path.join(scratch, "work");
  const logFile = path.join(scratch, "server.log");
  mkdirSync(workDir, { recursive: true });
  const port = await freePort();
  let server = null;

  const cleanUp = async () => {
    killRunningBlock();
    if (server) await server.stop();
    server = null;
    if (process.env.TRY_KEEP === "1") process.stdout.write(`[try] kept ${path.relative(ROOT, scratch)} (server.log, work/, state/)\n`);
    else rmSync(scratch, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"])
    process.on(signal, () => {
      if (interrupted) return;
      interrupted = true;
      process.stderr.write(`\n[try] ${signal}: stopping the server\n`);
      void cleanUp().finally(() => process.exit(130));
    });

  let failures = 0;
  const started = Date.now();
  try {
    for (const name of ["pass 1: a fresh server", "pass 2: the same state, after a restart"]) {
      process.stdout.write(`\n[try] starting npm start on port ${port} (state in ${path.relative(ROOT, stateDir)})...\n`);
      server = startServer({ port, stateDir, logFile });
      try {
        await server.ready;
      } catch (error) {
        if (interrupted) return 130;
        process.stderr.write(`[try] ${error.message}; its output:\n${indent(clip(server.log(), 6_000), "  ")}\n`);
        return 1;
      }
      failures += await runPass(name, blocks, { port, workDir, scratch });
      if (interrupted) return 130;
      await server.stop();
      server = null;
    }
  } finally {
    await cleanUp();
  }
  const seconds = Math.round((Date.now() - started) / 1000);
  process.stdout.write(
    failures === 0
      ? `\n[try] every README example answered as the README says, twice (${2 * steps} commands, ${seconds} s)\n`
      : `\n[try] ${failures} answer(s) differ from the README (${seconds} s)\n`,
  );
  return failures === 0 ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then(
    (code) => process.exit(code),
    (error) => {
      process.stderr.write(`[try] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
