import { env } from "cloudflare:workers";
import { expect, it } from "vitest";

it("runs inside workerd with a SQLite durable object", async () => {
  const id = env.TENANT.idFromName("smoke");
  expect(id.name).toBe("smoke");
});
