import { createApp } from "./app";

export { TenantObject } from "../durable-objects/tenant/tenant-object";
export { Directory } from "../durable-objects/directory/directory";
export { KnowledgeLibrary } from "../durable-objects/knowledge/library-object";

const app = createApp();

export default {
  fetch: (request, env, ctx) => app.fetch(request, env, ctx),
} satisfies ExportedHandler<Env>;
