/**
 * A fresh `npm start` (scripts/start.mjs) for scripts and end-to-end tests: on a free loopback
 * port, with its own state directory, ready once the demo data is loaded.
 */
import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const READY_TIMEOUT_MS = 120_000;

export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * `npm start` (scripts/start.mjs) on `port` with state in `stateDir`; resolves when the demo data is
 * loaded. `extraVars`: more vars for the Worker (start.mjs's FIELDPILOT_EXTRA_VARS).
 */
export function startServer({ port, stateDir, logFile, extraVars }) {
  const log = [];
  const child = spawn(process.execPath, [path.join(ROOT, "scripts", "start.mjs")], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: String(port),
      PERSIST_TO: stateDir,
      ...(extraVars ? { FIELDPILOT_EXTRA_VARS: JSON.stringify(extraVars) } : {}),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server was not ready within ${READY_TIMEOUT_MS / 1000} s`)), READY_TIMEOUT_MS);
    const onData = (chunk) => {
      log.push(String(chunk));
      writeFileSync(logFile, log.join(""));
      if (log.join("").includes("FieldPilot is running at")) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`npm start exited before it was ready (code ${code}, signal ${signal})`));
    });
  });
  return {
    ready,
    log: () => log.join(""),
    /** SIGINT (start.mjs stops wrangler and workerd with it), then SIGKILL after 20 s. */
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGINT");
      const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
