import { describe, expect, it } from "vitest";
import { affectedStacks, deployableStacks, isProgramPath } from "../../../scripts/operator/stacks/list";

describe("the deployable stacks of a project folder", () => {
  it("are the Pulumi.<stack>.yaml files but the example and the demo, sorted", () => {
    expect(
      deployableStacks([
        "Pulumi.yaml",
        "Pulumi.example.yaml",
        "Pulumi.demo.yaml",
        "Pulumi.fabrikam.yaml",
        "Pulumi.contoso-prod.yaml",
        "Pulumi.contoso.yaml",
        "README.md",
        "Pulumi.tailspin.yml",
      ]),
    ).toEqual(["contoso", "contoso-prod", "fabrikam"]);
  });

  it("are none in a folder with only the example and the demo (this repository)", () => {
    expect(deployableStacks(["Pulumi.yaml", "Pulumi.example.yaml", "Pulumi.demo.yaml"])).toEqual([]);
  });
});

describe("the stacks a change affects", () => {
  const stacks = ["contoso", "fabrikam", "tailspin"];

  it("are those whose settings file changed", () => {
    expect(affectedStacks(stacks, ["Pulumi.fabrikam.yaml", "README.md", "docs/operations.md"])).toEqual([
      "fabrikam",
    ]);
  });

  it("are all of them when the program changed", () => {
    expect(affectedStacks(stacks, ["components/outputs.ts"])).toEqual(stacks);
    expect(affectedStacks(stacks, ["package-lock.json"])).toEqual(stacks);
  });

  it("are none when only docs, tests, workflows or the example changed", () => {
    expect(
      affectedStacks(stacks, [
        "README.md",
        "test/x.test.ts",
        ".github/workflows/daily.yml",
        "Pulumi.example.yaml",
        "",
      ]),
    ).toEqual([]);
  });

  it("take a file of a deleted stack as no stack to preview", () => {
    expect(affectedStacks(stacks, ["Pulumi.gone.yaml"])).toEqual([]);
  });

  it("count only whole folders and exact files as the program", () => {
    expect(isProgramPath("components/config/index.ts")).toBe(true);
    expect(isProgramPath("scripts/exchange-driver/cli.ts")).toBe(true);
    expect(isProgramPath("scripts/operator/stacks/cli.ts")).toBe(false);
    expect(isProgramPath("index.ts.orig")).toBe(false);
  });
});
