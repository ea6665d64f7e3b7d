import { OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { auditRoutes } from "./admin/audit";
import { adminDocumentRoutes } from "./admin/documents";
import { authRoutes } from "./auth";
import { exportRoutes } from "./admin/export";
import { importRoutes } from "./admin/import";
import { memberRoutes } from "./admin/members";
import { metricsRoutes } from "./admin/metrics";
import { providerKeyRoutes } from "./admin/provider-keys";
import { settingsRoutes } from "./admin/settings";
import { taskRoutes } from "./admin/tasks";
import { usageRoutes } from "./admin/usage";
import { copilotRoutes } from "./copilot";
import { documentRoutes } from "./documents";
import { ingestRoutes } from "./ingest";
import { jobRoutes } from "./jobs";
import { jobBriefRoutes } from "./jobs-brief";
import { libraryRoutes } from "./library";
import { meRoutes } from "./me";
import { platformRoutes } from "./platform";
import { realtimeRoutes } from "./realtime";
import { searchRoutes } from "./search";

/**
 * Every `/v1` and `/auth` route, one module per surface, chained so that the type of the whole API is one
 * type: the web app's client (web/src/api.ts) is derived from `ApiRoutes`, so a change of a route's
 * path, parameters or response shape breaks the web app's build rather than its pages.
 */
export const apiRoutes = new OpenAPIHono<AppEnv>()
  .route("/", authRoutes)
  .route("/", meRoutes)
  .route("/", platformRoutes)
  .route("/", ingestRoutes)
  .route("/", jobRoutes)
  .route("/", jobBriefRoutes)
  .route("/", searchRoutes)
  .route("/", libraryRoutes)
  .route("/", documentRoutes)
  .route("/", adminDocumentRoutes)
  .route("/", copilotRoutes)
  .route("/", realtimeRoutes)
  .route("/", auditRoutes)
  .route("/", usageRoutes)
  .route("/", metricsRoutes)
  .route("/", taskRoutes)
  .route("/", providerKeyRoutes)
  .route("/", exportRoutes)
  .route("/", importRoutes)
  .route("/", memberRoutes)
  .route("/", settingsRoutes);

export type ApiRoutes = typeof apiRoutes;
