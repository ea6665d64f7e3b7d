import { describe, expect, it } from "vitest";

/**
 * Layers point one way: router (src/) → actors (durable-objects/) → contract (schemas/). An actor
 * imports nothing from the router, and the contract imports nothing from either. This test reads
 * every production source file and fails the build on an import (or re-export) that points back.
 */
const sources = import.meta.glob(["../../src/**/*.ts", "../../durable-objects/**/*.ts", "../../schemas/**/*.ts"], {
  query: "?raw",
  import: "default",
  eager: true,
}) as Record<string, string>;

type Layer = "src" | "durable-objects" | "schemas";
/** What each layer may import from (besides packages). */
const MAY_IMPORT: Record<Layer, Layer[]> = {
  src: ["src", "durable-objects", "schemas"],
  "durable-objects": ["durable-objects", "schemas"],
  schemas: ["schemas"],
};

const layerOf = (path: string): Layer | null => {
  const top = path.split("/")[0];
  return top === "src" || top === "durable-objects" || top === "schemas" ? top : null;
};

/** Relative specifiers of `import … from`, `export … from`, `import("…")` and side-effect imports. */
export function importsOf(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)["'](\.{1,2}\/[^"']+)["']/gm)) out.push(m[1] as string);
  return out;
}

/** `dir/file.ts` + `../x/y` → `x/y` (paths relative to the repository root, without `../` prefix). */
function resolve(file: string, specifier: string): string {
  const parts = file.split("/").slice(0, -1);
  for (const segment of specifier.split("/")) {
    if (segment === "..") parts.pop();
    else if (segment !== ".") parts.push(segment);
  }
  return parts.join("/");
}

export function layerViolations(files: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [file, source] of Object.entries(files)) {
    const from = layerOf(file);
    if (from === null) continue;
    for (const specifier of importsOf(source)) {
      const to = layerOf(resolve(file, specifier));
      if (to !== null && !MAY_IMPORT[from].includes(to)) found.push(`${file} imports ${specifier} (${from} → ${to})`);
    }
  }
  return found.sort();
}

const repoFiles = Object.fromEntries(Object.entries(sources).map(([path, text]) => [path.replace(/^(\.\.\/)+/, ""), text]));

describe("layers point one way: router → actors → contract", () => {
  it("reads the production sources of every layer", () => {
    const layers = new Set(Object.keys(repoFiles).map(layerOf));
    expect([...layers].sort()).toEqual(["durable-objects", "schemas", "src"]);
    expect(Object.keys(repoFiles).length).toBeGreaterThan(60);
  });

  it("finds no import that points back up", () => {
    expect(layerViolations(repoFiles)).toEqual([]);
  });

  it("the detector catches each kind of back edge (the guard can fail)", () => {
    expect(
      layerViolations({
        "durable-objects/tenant/x.ts": `import { AppError } from "../../src/errors/problem";`,
        "durable-objects/tenant/y.ts": `export { loadConfig } from "../../src/config";`,
        "durable-objects/tenant/z.ts": `const m = await import("../../src/app");`,
        "schemas/a.ts": `import type { Db } from "../durable-objects/tenant/data/db";`,
        "schemas/b.ts": `import "../src/index";`,
      }),
    ).toEqual([
      "durable-objects/tenant/x.ts imports ../../src/errors/problem (durable-objects → src)",
      "durable-objects/tenant/y.ts imports ../../src/config (durable-objects → src)",
      "durable-objects/tenant/z.ts imports ../../src/app (durable-objects → src)",
      "schemas/a.ts imports ../durable-objects/tenant/data/db (schemas → durable-objects)",
      "schemas/b.ts imports ../src/index (schemas → src)",
    ]);
    // Imports in the allowed direction, and packages, are fine.
    expect(
      layerViolations({
        "src/app.ts": `import { TenantObject } from "../durable-objects/tenant/tenant-object";\nimport { z } from "@hono/zod-openapi";`,
        "durable-objects/tenant/a.ts": `import { AppError } from "../../schemas/errors";\nimport { x } from "./b";`,
        "schemas/c.ts": `import { Role } from "./common";`,
      }),
    ).toEqual([]);
  });
});
