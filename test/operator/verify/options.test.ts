import { describe, expect, it } from "vitest";
import { parseDuration, parseOptions, UsageError } from "../../../scripts/operator/verify/options";

const GUID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";

function usageError(argv: string[]): string {
  try {
    parseOptions(argv);
  } catch (e) {
    if (e instanceof UsageError) return e.message;
    throw e;
  }
  throw new Error("expected a usage error");
}

describe("verify's options", () => {
  it("defaults to the stack, Exchange Online and the usual secret variable", () => {
    expect(parseOptions([])).toMatchObject({
      clientSecretEnv: "EXO_OAUTH_CLIENT_SECRET",
      mailboxes: [],
      protocols: [],
      waitMs: 0,
      concurrency: 4,
      timeoutMs: 30_000,
      json: false,
    });
  });

  it("reads every option, repeatable ones included", () => {
    const o = parseOptions([
      "--tenant", "contoso.onmicrosoft.com", "--client-id", GUID, "--client-secret-env", "MY_SECRET",
      "--mailbox", "Helpdesk@Contoso.com", "--mailbox=billing@contoso.com", "--protocol", "imap,pop", "--protocol", "smtp",
      "--imap-host", "127.0.0.1", "--imap-port", "10993", "--pop-host", "localhost", "--pop-tls", "none", "--smtp-port", "2587",
      "--send-as", "Billing@Contoso.com", "--allow-plaintext",
      "--authority-host", "https://127.0.0.1:8443/", "--ca-file", "ca.pem", "--send-test", "ops@contoso.com",
      "--wait", "1h30m", "--concurrency", "8", "--timeout", "45s", "--json", "--stack", "prod",
    ]); // prettier-ignore
    expect(o).toMatchObject({
      stack: "prod",
      tenant: "contoso.onmicrosoft.com",
      clientId: GUID,
      clientSecretEnv: "MY_SECRET",
      mailboxes: ["helpdesk@contoso.com", "billing@contoso.com"],
      protocols: ["imap", "pop", "smtp"],
      endpoints: {
        imap: { host: "127.0.0.1", port: 10993 },
        pop: { host: "localhost", tls: "none" },
        smtp: { port: 2587 },
      },
      sendAs: ["billing@contoso.com"],
      allowPlaintext: true,
      authorityHost: "https://127.0.0.1:8443",
      caFile: "ca.pem",
      sendTest: "ops@contoso.com",
      waitMs: 90 * 60_000,
      concurrency: 8,
      timeoutMs: 45_000,
      json: true,
    });
  });

  it("refuses --client-secret, explains why, and never echoes the value", () => {
    for (const argv of [["--client-secret", "Sup3r~Secret.Value"], ["--client-secret=Sup3r~Secret.Value"]]) {
      const message = usageError(argv);
      expect(message).toMatch(
        /--client-secret is not accepted: a secret on the command line lands in shell history/,
      );
      expect(message).toMatch(/EXO_OAUTH_CLIENT_SECRET/);
      expect(message).not.toContain("Sup3r~Secret.Value");
    }
  });

  it("does not echo a secret pasted as --client-secret-env", () => {
    const message = usageError(["--client-secret-env", "Sup3r~Secret.Value"]);
    expect(message).toMatch(/--client-secret-env must be the NAME of an environment variable/);
    expect(message).not.toContain("Sup3r~Secret.Value");
  });

  it.each<[string[], RegExp]>([
    [["--tenant", "not a tenant"], /--tenant "not a tenant" is not a tenant id \(GUID\) or domain/],
    [["--client-id", "helpdesk"], /--client-id "helpdesk" is not a GUID: use the Application \(client\) ID/],
    [["--mailbox", "helpdesk"], /--mailbox "helpdesk" is not an email address/],
    [
      ["--mailbox", "a@contoso.com", "--mailbox", "A@contoso.com"],
      /--mailbox "A@contoso.com" is given twice/,
    ],
    [["--protocol", "ews"], /--protocol "ews" is not one of imap, pop, smtp/],
    [["--imap-port", "99999"], /--imap-port "99999" is not a port number \(1\.\.65535\)/],
    [["--smtp-tls", "ssl"], /--smtp-tls "ssl" is not one of implicit, starttls, none/],
    [["--pop-host", "pop host"], /--pop-host "pop host" is not a host name/],
    [
      ["--authority-host", "http://login.example.com"],
      /--authority-host "http:\/\/login\.example\.com" must be an https URL with no path/,
    ],
    [["--authority-host", "https://login.microsoftonline.com/tenant"], /must be an https URL with no path/],
    [["--wait", "20 minutes"], /--wait "20 minutes" is not a duration up to 24h \(e\.g\. 30s, 20m, 1h30m\)/],
    [["--wait", "48h"], /--wait "48h" is not a duration up to 24h/],
    [["--timeout", "10ms"], /--timeout "10ms" is not a duration from 100ms to 10m/],
    [["--concurrency", "0"], /--concurrency "0" is not a whole number from 1 to 32/],
    [["--send-test", "ops"], /--send-test "ops" is not an email address/],
    [["--mailbox"], /--mailbox needs a value/],
    [["--json=yes"], /--json takes no value/],
    [["--tenant", GUID, "--tenant", GUID], /--tenant is given twice/],
    [["--frobnicate"], /^unknown option --frobnicate$/],
    [["--tennant", GUID], /^unknown option --tennant \(did you mean --tenant\?\)$/],
    [["--protocol", "imapp"], /--protocol "imapp" is not one of imap, pop, smtp \(did you mean imap\?\)/],
    [
      ["--pop-tls", "startls"],
      /--pop-tls "startls" is not one of implicit, starttls, none \(did you mean starttls\?\)/,
    ],
    [["helpdesk@contoso.com"], /unexpected argument "helpdesk@contoso.com": options start with --/],
  ])("rejects %j, naming the option and what is allowed", (argv, message) => {
    expect(usageError(argv)).toMatch(message);
  });

  it("does not echo the value that follows a misspelt secret option", () => {
    for (const argv of [
      ["--client_secret", "Sup3r~Secret.Value"],
      ["--secret", "Sup3r~Secret.Value"],
      ["--client-secret-env", "A", "--client-secret-env", "Sup3r~Secret.Value"],
    ]) {
      const message = usageError(argv);
      expect(message).toMatch(/--(client_secret|secret|client-secret-env)\b/);
      expect(message).not.toContain("Sup3r");
    }
  });

  it("reports every problem at once", () => {
    expect(usageError(["--client-id", "x", "--protocol", "ews", "--wait", "soon"]).split("\n")).toHaveLength(
      3,
    );
  });

  it.each([
    ["500ms", 500],
    ["45s", 45_000],
    ["20m", 1_200_000],
    ["1h30m", 5_400_000],
    ["20", undefined],
    ["-5m", undefined],
    ["", undefined],
  ])("parses the duration %j", (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it("takes enumerated values in any letter case, as the stack config does", () => {
    expect(parseOptions(["--protocol", "IMAP,Smtp", "--imap-tls", "StartTLS"])).toMatchObject({
      protocols: ["imap", "smtp"],
      endpoints: { imap: { tls: "starttls" } },
    });
  });

  it("takes --opt=value and --opt value alike", () => {
    expect(parseOptions(["--tenant=contoso.onmicrosoft.com", "--wait", "5m"])).toMatchObject({
      tenant: "contoso.onmicrosoft.com",
      waitMs: 300_000,
    });
  });
});

describe("plaintext only to loopback", () => {
  it("refuses --*-tls none to a host that is not loopback, naming the host and the way out", () => {
    expect(() => parseOptions(["--smtp-host", "mail.example.com", "--smtp-tls", "none"])).toThrow(
      '--smtp-tls none would send the token unencrypted to "mail.example.com": only a loopback host (127.0.0.1, ::1, localhost) may be reached without TLS; add --allow-plaintext to do it anyway',
    );
    // The default host is Exchange Online's: plaintext to it is refused too.
    expect(() => parseOptions(["--imap-tls", "none"])).toThrow(/unencrypted to "outlook\.office365\.com"/);
  });

  it("accepts loopback hosts, and any host with --allow-plaintext", () => {
    for (const host of ["127.0.0.1", "127.0.0.53", "localhost", "[::1]"])
      expect(parseOptions(["--pop-host", host, "--pop-tls", "none"]).endpoints.pop.tls).toBe("none");
    expect(
      parseOptions(["--smtp-host", "mail.example.com", "--smtp-tls", "none", "--allow-plaintext"])
        .allowPlaintext,
    ).toBe(true);
  });
});
