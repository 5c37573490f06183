// Nothing typed or planted changes what the runbook runs: every value is checked by the config's
// rule before it is rendered, and the quoting alone keeps any text a literal whose value is the
// text. Runbooks are read back with tree-sitter-powershell (the command list) and PowerShell's
// literal rule (test/support/powershell-syntax.ts); the real PowerShell parser agrees in
// test/pwsh/runbook-parse.test.ts.
import { describe, expect, it } from "vitest";
import { parseStackConfig } from "../../../components/config";
import { encodeDriverEnvironment } from "../../../components/exchange-step/codec";
import {
  ORGANIZATION_PLACEHOLDER,
  psQuote,
  renderRunbook,
  RunbookInputError,
} from "../../../components/exchange-step/runbook";
import { runDriver } from "../../../scripts/exchange-driver/cli";
import { HOSTILE_TEXT, PAYLOAD, displayNameAccepted } from "../../hostile-input/values";
import {
  assignedLiterals,
  commandNames,
  parsePowerShell,
  verbatimValue,
} from "../../support/powershell-syntax";
import { expectedCommands, runbookDifferences, type RunbookInputs } from "../../support/runbook-inspect";

const INPUTS: RunbookInputs = {
  appId: "11111111-1111-4111-8111-111111111111",
  servicePrincipalObjectId: "22222222-2222-4222-8222-222222222222",
  displayName: "Mail OAuth",
  organization: "contoso.onmicrosoft.com",
  mailboxes: [
    { address: "helpdesk@contoso.com", sendAs: false },
    { address: "billing@contoso.com", sendAs: true },
  ],
  revoke: [{ address: "old@contoso.com", fullAccess: true, sendAs: true }],
};
const render = (i: RunbookInputs) => renderRunbook(i, { organization: i.organization, revoke: i.revoke });

function refusal(f: () => unknown): RunbookInputError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(RunbookInputError);
    return err as RunbookInputError;
  }
  throw new Error("expected the runbook to be refused");
}

describe("the reported runbook injections", () => {
  const injected = `Mail OAuth\n${PAYLOAD}\n#`;

  it("a display name with a newline and a command is refused by the config, naming U+000A", () => {
    const r = parseStackConfig({
      stack: "dev",
      values: {
        tenantId: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
        organization: "contoso.onmicrosoft.com",
        application: { displayName: injected },
        mailboxes: ["helpdesk@contoso.com"],
        exchange: { connection: "manual" },
      },
      secretKeys: new Set(),
    });
    expect(r.ok).toBe(false);
    const issue = !r.ok && r.issues.find((i) => i.path === "exo-oauth:application.displayName");
    expect(issue && issue.message).toContain("U+000A LINE FEED (LF) at character 11");
    expect(issue && issue.message).not.toContain("\n");
  });

  it("and by renderRunbook, whoever calls it", () => {
    const e = refusal(() => render({ ...INPUTS, displayName: injected }));
    expect(e.problems).toEqual([expect.stringMatching(/^displayName: .*U\+000A LINE FEED \(LF\)/)]);
  });

  it("npm run exchange -- runbook refuses a hostile EXO_OAUTH_ORGANIZATION: an input error (exit 78), nothing on stdout", async () => {
    const env = {
      ...encodeDriverEnvironment({
        desired: INPUTS,
        connection: {
          connection: "managedIdentity",
          organization: "x",
          pwsh: "pwsh",
          retryDeadlineSeconds: 600,
        },
      }),
      EXO_OAUTH_ORGANIZATION: `x>'; ${PAYLOAD}; #`,
    };
    let stdout = "";
    let stderr = "";
    const run = await runDriver(["runbook"], {
      env,
      stdout: (t) => (stdout += t),
      stderr: (t) => (stderr += t),
    });
    expect(run.code).toBe(78);
    expect(stdout).toBe("");
    expect(stderr).toContain("EXO_OAUTH_ORGANIZATION (from exo-oauth:organization):");
    expect(stderr).toContain("is not a <name>.onmicrosoft.com domain");
  });

  it("renderRunbook refuses a hostile organization, and shows the placeholder when none is given", async () => {
    const e = refusal(() => render({ ...INPUTS, organization: `x>'; ${PAYLOAD}; #` }));
    expect(e.problems[0]).toMatch(/^organization: /);
    const text = renderRunbook(INPUTS, {});
    expect(await runbookDifferences(text, { ...INPUTS, organization: undefined, revoke: [] })).toEqual([]);
    expect(renderRunbook(INPUTS, { organization: ORGANIZATION_PLACEHOLDER })).toBe(text);
  });

  it("a planted address in the previous record is refused, naming the record", () => {
    const e = refusal(() =>
      render({
        ...INPUTS,
        revoke: [{ address: `x'; ${PAYLOAD}; #@contoso.com`, fullAccess: true, sendAs: false }],
      }),
    );
    expect(e.problems[0]).toMatch(
      /^revoke\[0\]\.address \(from the previous record\): .* is not an email address/,
    );
  });
});

describe("every hostile display name is refused, or rendered as exactly itself with the expected commands", () => {
  it.each(HOSTILE_TEXT.map((h) => [h.label, h] as const))("%s", async (_label, h) => {
    const inputs = { ...INPUTS, displayName: h.value };
    if (!displayNameAccepted(h)) {
      const e = refusal(() => render(inputs));
      expect(e.problems[0]).toContain(h.invisible ?? "at most 120");
      return;
    }
    const text = render(inputs);
    expect(commandNames(await parsePowerShell(text))).toEqual(expectedCommands(inputs));
    expect(await runbookDifferences(text, inputs)).toEqual([]);
  });
});

describe("the quoting alone keeps any text one literal whose value is the text", () => {
  // tree-sitter reads NUL as the end of its input: NUL is left to the real PowerShell parser
  // (test/pwsh/runbook-parse.test.ts), which takes it inside a literal.
  const values = HOSTILE_TEXT.filter((h) => !h.value.includes("\u0000"));
  it.each(values.map((h) => [h.label, h] as const))("%s", async (_label, h) => {
    const root = await parsePowerShell(`$value = ${psQuote(h.value)}\nGet-Date\n`);
    expect(root.hasError).toBe(false);
    expect(commandNames(root)).toEqual(["Get-Date"]);
    expect(assignedLiterals(root).get("$value")).toEqual([h.value]);
  });
});

describe("typographic quotes keep the mailbox", () => {
  const address = "o’brien@contoso.com";

  it("PowerShell reads ’ as a quote: the old doubling into '' made it another mailbox", () => {
    expect(verbatimValue("'o''brien@contoso.com'")).toBe("o'brien@contoso.com");
    expect(() => verbatimValue("'o’brien@contoso.com'")).toThrow(/ends the literal at character 3/);
  });

  it("psQuote doubles each quote as itself, so the literal's value is the text", () => {
    expect(psQuote(address)).toBe("'o’’brien@contoso.com'");
    expect(verbatimValue(psQuote(address))).toBe(address);
    for (const q of ["'", "‘", "’", "‚", "‛"])
      expect(verbatimValue(psQuote(`a${q}b${q}${q}`))).toBe(`a${q}b${q}${q}`);
  });

  it("an address with a typographic quote is refused with a clear message; a display name keeps it", async () => {
    const e = refusal(() => render({ ...INPUTS, mailboxes: [{ address, sendAs: false }] }));
    expect(e.problems[0]).toContain("U+2019 RIGHT SINGLE QUOTATION MARK at character 2");
    expect(e.problems[0]).toContain("ASCII apostrophe");
    const inputs = { ...INPUTS, displayName: "O’Brien’s ‘desk’" };
    expect(await runbookDifferences(render(inputs), inputs)).toEqual([]);
  });
});
