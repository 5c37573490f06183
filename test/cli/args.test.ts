// The one command-line parser (scripts/cli/args.ts) on a small tool: both option forms, help per
// command, every problem at once, did-you-mean, values never echoed where they may be secret.
import { describe, expect, it } from "vitest";
import { parseCommandLine, renderHelp, wantsJson, type ToolSpec } from "../../scripts/cli/args";
import { UsageError } from "../../scripts/cli/errors";

const TOOL: ToolSpec = {
  invocation: "npm run tool --",
  summary: "A tool.",
  options: {
    stack: { type: "string", value: "<name>", description: "the stack" },
    json: { type: "boolean", description: "JSON" },
    token: { type: "string", value: "<t>", description: "never echoed", sensitive: true },
  },
  commands: {
    apply: {
      summary: "apply it",
      options: { record: { type: "string", value: "<file>", description: "a record" } },
    },
    plan: {
      summary: "plan it",
      options: {
        record: { type: "string", value: "<file>", description: "a record" },
        mailbox: { type: "string", value: "<address>", description: "a mailbox", multiple: true },
      },
    },
  },
  refused: { password: "--password is not accepted: use an environment variable" },
  exitCodes: ["ok", "error", "usage"],
};

function problems(argv: string[]): readonly string[] {
  try {
    parseCommandLine(TOOL, argv);
  } catch (err) {
    if (err instanceof UsageError) return err.problems;
    throw err;
  }
  throw new Error("expected a usage error");
}

describe("the kit's command-line parser", () => {
  it("reads --opt value and --opt=value alike, options before or after the command", () => {
    expect(parseCommandLine(TOOL, ["plan", "--record", "r.json", "--stack=prod"])).toEqual({
      kind: "run",
      command: "plan",
      values: { record: "r.json", stack: "prod" },
    });
    expect(parseCommandLine(TOOL, ["--stack", "prod", "plan", "--record=r.json"])).toEqual({
      kind: "run",
      command: "plan",
      values: { record: "r.json", stack: "prod" },
    });
  });

  it("collects a repeatable option, and takes a value that starts with a dash only inline", () => {
    expect(parseCommandLine(TOOL, ["plan", "--mailbox", "a@x.com", "--mailbox=b@x.com"])).toMatchObject({
      values: { mailbox: ["a@x.com", "b@x.com"] },
    });
    expect(parseCommandLine(TOOL, ["plan", "--record=-weird.json"])).toMatchObject({
      values: { record: "-weird.json" },
    });
  });

  it.each([
    [["plan", "--help"], "plan"],
    [["plan", "-h"], "plan"],
    [["help", "plan"], "plan"],
    [["--help"], undefined],
    [["help"], undefined],
    // Help wins over a mistake next to it.
    [["plan", "--recrod", "x", "--help"], "plan"],
  ])("%j asks for help (%s)", (argv, command) => {
    const line = parseCommandLine(TOOL, argv);
    expect(line.kind).toBe("help");
    expect(line.command).toBe(command);
    expect(line.kind === "help" && line.text).toBe(renderHelp(TOOL, command));
  });

  it("reports every problem at once", () => {
    expect(problems(["plan", "--recrod", "x", "--json=1", "--stack", "a", "--stack", "b", "extra"])).toEqual([
      "unknown option --recrod (did you mean --record?)",
      "--json takes no value",
      '--stack is given twice ("a" and "b"): give it once',
      'unexpected argument "extra": options start with --',
    ]);
  });

  it("suggests commands and says which command an option belongs to", () => {
    expect(problems(["pln"])).toEqual([
      'unknown command "pln" (did you mean plan?); the commands are apply or plan',
    ]);
    expect(problems(["apply", "--mailbox", "a@x.com"])).toEqual([
      "--mailbox is an option of plan, not of apply",
    ]);
    expect(problems([])).toEqual(["a command is needed: apply or plan"]);
  });

  it("never echoes a sensitive value, a refused option's value, or the word after a misspelt option", () => {
    const all = [
      ...problems(["plan", "--token", "s3cr3t-1", "--token", "s3cr3t-2"]),
      ...problems(["plan", "--password", "s3cr3t-3"]),
      ...problems(["plan", "--password=s3cr3t-4"]),
      ...problems(["plan", "--tokn", "s3cr3t-5"]),
      ...problems(["plan", "--tokn=s3cr3t-6"]),
    ].join("\n");
    expect(all).toContain("--token is given twice: give it once");
    expect(all).toContain("--password is not accepted");
    expect(all).toContain("unknown option --tokn (did you mean --token?)");
    expect(all).not.toMatch(/s3cr3t/);
  });

  it("shows a hostile argument escaped", () => {
    expect(problems(["plan", "x\u001b[2J\nforged"])).toEqual([
      'unexpected argument "x\\u{1b}[2J\\nforged": options start with --',
    ]);
    expect(problems(["plan", "--re\u001bcord"])).toEqual([
      "unknown option --re\\u{1b}cord (did you mean --record?)",
    ]);
  });

  it("asks for JSON only before a --", () => {
    expect(wantsJson(["plan", "--json"])).toBe(true);
    expect(wantsJson(["plan", "--", "--json"])).toBe(false);
  });

  it("renders a command's help with its options, the tool's, and the exit codes", () => {
    const text = renderHelp(TOOL, "plan");
    expect(text).toMatch(/^Usage: npm run tool -- plan \[options\]\n\nPlan it\.?\n/);
    expect(text).toMatch(/--mailbox <address> +a mailbox \(repeatable\)/);
    expect(text).toMatch(/--stack <name> +the stack/);
    expect(text).toMatch(/-h, --help +this help/);
    expect(text).toMatch(/Exit codes .*\n +0 +success/);
    expect(text).not.toMatch(/ 78 /);
  });
});
