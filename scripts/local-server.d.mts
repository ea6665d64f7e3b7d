export function freePort(): Promise<number>;
export function startServer(options: { port: number; stateDir: string; logFile: string; extraVars?: Record<string, string> }): {
  ready: Promise<void>;
  log: () => string;
  stop: () => Promise<void>;
};
