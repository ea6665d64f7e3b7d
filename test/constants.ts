/** Shared by vitest.config.ts (Node) and the tests (workerd); no imports, so both can load it. */
export const TEST_AUDIENCE = "fieldpilot-api";
export const TEST_ACCESS_AUD = "access-aud-1234";
