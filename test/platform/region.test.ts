import { describe, expect, it, vi } from "vitest";
import { isLocalEnvironment } from "../../durable-objects/tenant/config";
import { namespaceForRegion, type NamespaceLike } from "../../src/tenancy/region";

class FakeNamespace implements NamespaceLike<FakeNamespace> {
  jurisdictionCalls: string[] = [];
  constructor(
    readonly label: string,
    readonly failJurisdiction = false,
  ) {}
  jurisdiction(name: "eu"): FakeNamespace {
    this.jurisdictionCalls.push(name);
    if (this.failJurisdiction) throw new Error("jurisdictions are not implemented");
    return new FakeNamespace(`${this.label}:${name}`);
  }
}

describe("region pinning", () => {
  it("creates eu tenants through jurisdiction('eu')", () => {
    const ns = new FakeNamespace("tenants");
    expect(namespaceForRegion(ns, "eu", false).label).toBe("tenants:eu");
    expect(ns.jurisdictionCalls).toEqual(["eu"]);
  });

  it("uses the default namespace for us and auto", () => {
    const ns = new FakeNamespace("tenants");
    expect(namespaceForRegion(ns, "us", false)).toBe(ns);
    expect(namespaceForRegion(ns, "auto", false)).toBe(ns);
    expect(ns.jurisdictionCalls).toEqual([]);
  });

  it("falls back with a logged warning only when running locally", () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const ns = new FakeNamespace("tenants", true);
    expect(namespaceForRegion(ns, "eu", true)).toBe(ns);
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("jurisdiction('eu') unavailable locally"));
    warn.mockRestore();
  });

  it("refuses to silently unpin in production", () => {
    const ns = new FakeNamespace("tenants", true);
    expect(() => namespaceForRegion(ns, "eu", false)).toThrow("jurisdictions are not implemented");
  });

  it("treats only development-like environments as local", () => {
    expect(isLocalEnvironment("development")).toBe(true);
    expect(isLocalEnvironment("test")).toBe(true);
    expect(isLocalEnvironment("production")).toBe(false);
    expect(isLocalEnvironment("staging")).toBe(false);
  });
});
