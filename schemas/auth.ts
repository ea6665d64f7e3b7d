import { z } from "@hono/zod-openapi";
import { Role, TenantId, UserId } from "./common";

/** How this deployment lets people sign in to the web app (`GET /auth/options`). */
export const SignInOptions = z
  .object({
    /** The local picker of demo identities (`ALLOW_DEV_AUTH=1` outside production). */
    dev: z.boolean(),
    /** `GET /auth/login` starts the OIDC authorization code flow. */
    oidc: z.boolean(),
    /** Cloudflare Access signs people in before they reach the app. */
    access: z.boolean(),
  })
  .openapi("SignInOptions");
export type SignInOptions = z.infer<typeof SignInOptions>;

/** The local picker's identities: every dev-issuer member of every active tenant. */
export const DevIdentities = z
  .object({
    tenants: z.array(
      z.object({
        id: TenantId,
        name: z.string(),
        members: z.array(z.object({ userId: UserId, role: Role, email: z.string().nullable() })),
      }),
    ),
  })
  .openapi("DevIdentities");
export type DevIdentities = z.infer<typeof DevIdentities>;

export const DevSignIn = z.object({ userId: UserId }).strict().openapi("DevSignIn");
export type DevSignIn = z.infer<typeof DevSignIn>;
