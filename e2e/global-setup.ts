import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort, startServer } from "../scripts/local-server.mjs";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
  }
}

/** A fresh `npm start` with its own state for the whole e2e run; its log stays in the temp dir on failure. */
export default async function setup(project: TestProject) {
  const dir = mkdtempSync(path.join(tmpdir(), "fieldpilot-e2e-"));
  const port = await freePort();
  const logFile = path.join(dir, "server.log");
  const server = startServer({ port, stateDir: path.join(dir, "state"), logFile });
  try {
    await server.ready;
  } catch (error) {
    await server.stop();
    throw new Error(`npm start did not come up for the e2e run (log: ${logFile}):\n${server.log().slice(-3000)}`, { cause: error });
  }
  project.provide("baseUrl", `http://127.0.0.1:${port}`);
  return async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  };
}
