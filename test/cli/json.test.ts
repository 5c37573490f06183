// The --json envelope (scripts/cli/json.ts): schema, ok from the exit code, RFC 3339 times, the
// error member, and text that hides nothing from a reader.
import { describe, expect, it } from "vitest";
import { InputError, UsageError } from "../../scripts/cli/errors";
import { errorBody, jsonDocument, schemaName } from "../../scripts/cli/json";

const times = {
  startedAt: new Date("2026-04-01T06:00:00.000Z"),
  finishedAt: new Date("2026-04-01T06:00:01.250Z"),
};

describe("the --json envelope", () => {
  it.each([
    [0, true],
    [2, true],
    [1, false],
    [64, false],
    [78, false],
  ])("exit %i is ok: %s", (exitCode, ok) => {
    const doc = JSON.parse(jsonDocument(schemaName("x", 1), times, exitCode, {})) as Record<string, unknown>;
    expect(doc).toEqual({
      schema: "exo-oauth/x@1",
      ok,
      exitCode,
      startedAt: "2026-04-01T06:00:00.000Z",
      finishedAt: "2026-04-01T06:00:01.250Z",
    });
  });

  it("keeps its own fields when the body has one of the same name, and puts them first", () => {
    const text = jsonDocument("exo-oauth/x@1", times, 1, { ok: true, exitCode: 0, report: 1 });
    expect(Object.keys(JSON.parse(text) as object)).toEqual([
      "schema",
      "ok",
      "exitCode",
      "startedAt",
      "finishedAt",
      "report",
    ]);
    expect(JSON.parse(text)).toMatchObject({ ok: false, exitCode: 1 });
  });

  it("is one document, one trailing newline, with C1, bidi and separators as \\u escapes", () => {
    const text = jsonDocument("exo-oauth/x@1", times, 0, { name: "a\u202eb\u009bc\u2028d\u001be" });
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('"a\\u202eb\\u009bc\\u2028d\\u001be"');
    expect((JSON.parse(text) as { name: string }).name).toBe("a\u202eb\u009bc\u2028d\u001be");
  });

  it("describes an error by kind, with one problem per line, redacted", () => {
    expect(errorBody(new UsageError(["a", "b"]))).toEqual({
      kind: "usage",
      message: "a\nb",
      problems: ["a", "b"],
    });
    expect(errorBody(new InputError("missing"))).toMatchObject({ kind: "input", problems: ["missing"] });
    expect(errorBody(new Error("secret-123 failed"), (s) => s.replace("secret-123", "[redacted]"))).toEqual({
      kind: "error",
      message: "[redacted] failed",
      problems: ["[redacted] failed"],
    });
  });
});
