// The replace-rule table, the diff it drives, the delete order and the printed plan, as pure functions.
import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { REPLACE_RULES, ruleFor } from "../../../../scripts/offline-tenant/harness/engine/replace-rules";
import { diffInputs } from "../../../../scripts/offline-tenant/harness/engine/diff";
import { deleteOrder } from "../../../../scripts/offline-tenant/harness/engine/delete-order";
import { printPlan } from "../../../../scripts/offline-tenant/harness/engine/plan";
import type { ResourceState } from "../../../../scripts/offline-tenant/harness/engine/checkpoint";
import { secretValue } from "../../../../scripts/offline-tenant/graph/wire";

const PASSWORD = "azuread:index/applicationPassword:ApplicationPassword";
const APPLICATION = "azuread:index/application:Application";

describe("the replace-rule table", () => {
  it("cites a provider source file and line for every row", () => {
    for (const t of REPLACE_RULES)
      for (const r of t.rules)
        expect(r.source, `${t.type} ${r.input}`).toMatch(
          /^(hashicorp\/terraform-provider-azuread@v3\.8\.0 \S+\.go:\d+|pulumi\/pulumi-command@v1\.2\.1 \S+\.go:\d+|pulumi\/pulumi pkg\/\S+\.go)/,
        );
  });

  it("is also the table in docs/pulumi-lifecycle.md, row for row", () => {
    if (!existsSync("docs/pulumi-lifecycle.md")) throw new Error("docs/pulumi-lifecycle.md is missing");
    const doc = readFileSync("docs/pulumi-lifecycle.md", "utf8");
    for (const t of REPLACE_RULES)
      for (const r of t.rules)
        expect(doc, `${t.type} ${r.input}`).toContain(`| \`${r.input}\` | ${r.effect} |`);
  });

  it("refuses to guess an input nobody read in the provider's source", () => {
    expect(() => ruleFor(APPLICATION, "logoImage")).toThrow('no replace rule for input "logoImage"');
    expect(() => diffInputs("random:index/randomId:RandomId", { a: 1 }, { a: 2 })).toThrow(
      "no replace rules for random",
    );
  });
});

describe("the diff", () => {
  it("replaces on a password's endDate, updates an application's name, ignores an unset computed field", () => {
    expect(diffInputs(PASSWORD, { endDate: "a" }, { endDate: "b" })).toEqual({
      changed: ["endDate"],
      replaceKeys: ["endDate"],
      updateKeys: [],
    });
    expect(diffInputs(APPLICATION, { displayName: "a" }, { displayName: "b" })).toEqual({
      changed: ["displayName"],
      replaceKeys: [],
      updateKeys: ["displayName"],
    });
    expect(diffInputs(PASSWORD, { startDate: "2026-01-01T00:00:00Z" }, {}).changed).toEqual([]);
  });

  it("treats unset, empty and reordered values as the provider does, and honours replaceOnChanges and ignoreChanges", () => {
    expect(diffInputs(APPLICATION, { owners: [], notes: "" }, {}).changed).toEqual([]);
    expect(
      diffInputs(APPLICATION, { tags: { a: "1", b: "2" } }, { tags: { b: "2", a: "1" } }).changed,
    ).toEqual([]);
    expect(
      diffInputs(
        APPLICATION,
        { displayName: "a" },
        { displayName: "b" },
        { replaceOnChanges: ["displayName"] },
      ).replaceKeys,
    ).toEqual(["displayName"]);
    expect(
      diffInputs(APPLICATION, { displayName: "a" }, { displayName: "b" }, { ignoreChanges: ["displayName"] })
        .changed,
    ).toEqual([]);
  });
});

describe("the delete order", () => {
  const r = (urn: string, dependencies: string[] = [], parent?: string): ResourceState => ({
    urn,
    type: "t",
    name: urn,
    custom: true,
    id: urn,
    inputs: {},
    outputs: {},
    dependencies,
    ...(parent ? { parent } : {}),
  });
  it("deletes dependents first, children before parents", () => {
    const app = r("app");
    const sp = r("sp", ["app"]);
    const consent = r("consent", ["sp"]);
    const cmd = r("cmd", ["sp", "consent"], "component");
    const component = r("component");
    const order = deleteOrder(
      [app, sp, consent, component, cmd].map((state) => ({ state, reason: "destroy" as const })),
    );
    const at = (x: ResourceState) => order.findIndex((c) => c.state === x);
    expect(at(cmd)).toBeLessThan(at(consent));
    expect(at(consent)).toBeLessThan(at(sp));
    expect(at(sp)).toBeLessThan(at(app));
    expect(at(cmd)).toBeLessThan(at(component));
  });
});

describe("the printed plan", () => {
  it("reads like pulumi up and shows a secret output as [secret]", () => {
    const text = printPlan({
      title: "Updating (o/p/s)",
      steps: [
        {
          op: "replace",
          urn: "u1",
          type: PASSWORD,
          name: "client-secret-a",
          custom: true,
          keys: ["endDate"],
          status: "ok",
        },
        { op: "same", urn: "u2", type: APPLICATION, name: "mail-application", custom: true, status: "ok" },
      ],
      outputs: { clientSecret: secretValue("s3cr3t-value"), clientId: "abc" },
    });
    expect(text).toBe(
      'Updating (o/p/s)\n +- ApplicationPassword client-secret-a replace [endDate]\nOutputs:\n    clientSecret: [secret]\n    clientId: "abc"\nResources: 1 replaced, 1 unchanged\n',
    );
  });
});
