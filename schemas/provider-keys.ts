import { z } from "@hono/zod-openapi";

/**
 * Providers a tenant can bring its own API key for. Only the OpenAI-compatible provider takes a
 * key; Workers AI runs through the AI binding and the extractive provider calls no model.
 */
export const ProviderName = z.enum(["openai"]);
export type ProviderName = z.infer<typeof ProviderName>;

export const ProviderKeyParams = z.object({ provider: ProviderName.openapi({ param: { name: "provider", in: "path" } }) });

/** Key length bounds: real provider keys are 40-200 characters; 20 keeps the mask safe (see crypto/envelope.ts). */
export const PROVIDER_KEY_MIN_CHARS = 20;
export const PROVIDER_KEY_MAX_CHARS = 512;

/**
 * The key is checked for shape only: OpenAI's keys start with `sk-`, but OpenAI-compatible servers
 * issue other formats, so no prefix is required. Visible ASCII without whitespace is what any
 * provider accepts in an `Authorization: Bearer` header (RFC 6750 §2.1 b64token is stricter).
 * The messages never repeat the value: a validation error must not echo a secret.
 */
export const ProviderKeyPut = z
  .strictObject({
    key: z
      .string()
      .trim()
      .min(PROVIDER_KEY_MIN_CHARS, `must be at least ${PROVIDER_KEY_MIN_CHARS} characters`)
      .max(PROVIDER_KEY_MAX_CHARS, `must be at most ${PROVIDER_KEY_MAX_CHARS} characters`)
      .regex(/^[\x21-\x7e]+$/, "must be printable ASCII without spaces")
      .openapi({ description: "The provider API key. Write-only: never returned.", example: "sk-example-not-a-real-key-0000" }),
  })
  .openapi("ProviderKeyPut");
export type ProviderKeyPut = z.infer<typeof ProviderKeyPut>;

/** What the API shows of a stored key: never the key, only enough to recognise it. */
export const ProviderKeyView = z
  .object({
    provider: ProviderName,
    mask: z.string().openapi({ example: "sk-…9f3a" }),
    fingerprint: z.string().openapi({ example: "sha256:3f1c9a0b7d2e4f61" }),
    /** The key-encryption key version the value is stored under (changes when operators rotate). */
    kekVersion: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("ProviderKeyView");
export type ProviderKeyView = z.infer<typeof ProviderKeyView>;

export const ProviderKeyList = z.object({ keys: z.array(ProviderKeyView) }).openapi("ProviderKeyList");
export type ProviderKeyList = z.infer<typeof ProviderKeyList>;
