import { createApp } from "./app";

export { TenantObject } from "../durable-objects/tenant/tenant-object";
export { Directory } from "../durable-objects/directory/directory";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
