/** The few parts of oidc-provider (which ships no types) that e2e/oidc.e2e.ts uses. */
declare module "oidc-provider" {
  import type { Server } from "node:http";
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    listen(port: number, host?: string): Server;
  }
}
