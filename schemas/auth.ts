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

/** Where to land after signing in: a path on this site (never `//host` or `/\host`, which browsers read as another site). */
export const ReturnTo = z
  .string()
  .max(2048)
  .regex(/^\/(?![/\\])[^\\\s]*$/, "returnTo must be a path on this site, starting with a single /")
  .openapi({ example: "/jobs" });

export const SignInStart = z.object({ returnTo: ReturnTo.optional() }).openapi("SignInStart");

/** The identity provider's redirect back (OIDC Core §3.1.2.5/§3.1.2.6): read as a whole by the OIDC client. */
export const SignInCallback = z
  .object({
    code: z.string().max(4096).optional(),
    state: z.string().max(1024).optional(),
    iss: z.string().max(2048).optional(),
    error: z.string().max(256).optional(),
    error_description: z.string().max(2048).optional(),
  })
  .openapi("SignInCallback");

/** Signed out here; the identity provider's own session ends at `endSessionUrl`, where the page should go next. */
export const SignedOut = z
  .object({ endSessionUrl: z.url().openapi({ example: "https://login.example.com/session/end?client_id=fieldpilot" }) })
  .openapi("SignedOut");
export type SignedOut = z.infer<typeof SignedOut>;
