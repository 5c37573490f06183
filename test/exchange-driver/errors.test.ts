import { describe, expect, it } from "vitest";
import {
  ExchangeCmdletError,
  classifyExchangeError,
  parseExchangeMessage,
  type ShimError,
} from "../../scripts/exchange-driver/errors";
import { backoffDelayMs } from "../../scripts/exchange-driver/retry";

const e = (message: string, extra: Partial<ShimError> = {}): ShimError => ({
  message,
  category: "NotSpecified",
  fullyQualifiedErrorId: "",
  exceptionType: "System.Exception",
  ...extra,
});

describe("classifying Exchange's errors on code and type", () => {
  it.each<[string, ShimError, string]>([
    [
      "a missing mailbox",
      e(
        "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'user2@contoso.com' couldn't be found on 'YT3PR01A12DC010.CANPR01A012.PROD.OUTLOOK.COM'.",
      ),
      "notFound",
    ],
    [
      "a referenced object that does not resolve",
      e(
        'Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn\'t find object "x". Please make sure that it was spelled correctly or specify a different object.',
      ),
      "notFound",
    ],
    [
      "the same not-found in another language",
      e(
        "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Objekt 'x' wurde nicht gefunden.",
      ),
      "notFound",
    ],
    [
      "a duplicate object",
      e(
        "Ex3B3E0A|Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException|Active Directory operation failed.",
      ),
      "alreadyExists",
    ],
    [
      "an Entra SP Exchange cannot see yet",
      e(
        "Ex8A0CF8|Microsoft.Exchange.Configuration.Tasks.TaskException|AADServicePrincipalNotFound: No ServicePrincipal with Object Id 'x' is registered",
      ),
      "spNotFoundYet",
    ],
    [
      "the server-side transient error",
      e(
        "A server side error has occurred because of which the operation could not be completed. Please try again after some time.",
      ),
      "transient",
    ],
    [
      "'please wait a few minutes'",
      e("We cannot currently process your request, please wait a few minutes and try again."),
      "transient",
    ],
    ["a busy resource category", e("anything", { category: "ResourceBusy" }), "transient"],
    [
      "an HTTP failure",
      e("Response status code does not indicate success", {
        exceptionType: "System.Net.Http.HttpRequestException",
      }),
      "transient",
    ],
    [
      "a cmdlet outside the caller's RBAC",
      e(
        "The term 'New-ServicePrincipal' is not recognized as a name of a cmdlet, function, script file, or executable program.",
        {
          fullyQualifiedErrorId: "CommandNotFoundException",
          exceptionType: "System.Management.Automation.CommandNotFoundException",
        },
      ),
      "notRecognized",
    ],
    [
      "an object out of write scope",
      e(
        "Ex0A5A4A|Microsoft.Exchange.Data.Directory.ADScopeException|'a@contoso.com' isn't within your current write scopes. Can't perform save operation.",
      ),
      "accessDenied",
    ],
    [
      "an unsupported Entra role on connect",
      e(
        "The role assigned to application 1234 isn't supported in this scenario. Please check online documentation",
      ),
      "accessDenied",
    ],
    [
      "a certificate Entra does not know",
      e("AADSTS700027: Client assertion contains an invalid signature. [Reason - The key was not found., …]"),
      "accessDenied",
    ],
    ["PermissionDenied", e("nope", { category: "PermissionDenied" }), "accessDenied"],
    [
      "an unknown parameter",
      e("A parameter cannot be found that matches parameter name 'Usr'.", {
        category: "InvalidArgument",
        exceptionType: "System.Management.Automation.ParameterBindingException",
      }),
      "permanent",
    ],
    ["anything else", e("Ex123456|Microsoft.Exchange.Something.NewException|Something new."), "permanent"],
  ])("reads %s as %s", (_what, error, kind) => {
    expect(classifyExchangeError(error)).toBe(kind);
  });

  it("splits ExNNNNNN|Type|text and leaves other messages whole", () => {
    expect(parseExchangeMessage("Ex6F9304|A.B.CException|The text | with a bar.")).toEqual({
      code: "Ex6F9304",
      type: "A.B.CException",
      text: "The text | with a bar.",
    });
    expect(parseExchangeMessage("plain text")).toEqual({ text: "plain text" });
  });

  it("words its message as 'Running <cmdlet> on <target>: <Exchange's text> (<code>)'", () => {
    const err = new ExchangeCmdletError(
      "Get-Mailbox",
      "x@contoso.com",
      e("Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Not there."),
    );
    expect(err.message).toBe("Running Get-Mailbox on x@contoso.com: Not there. (Ex6F9304)");
    expect(err.retryable).toBe(false);
  });
});

describe("backoff", () => {
  const policy = { deadlineMs: 600_000, baseDelayMs: 2000, maxDelayMs: 30_000 };
  it.each([
    [1, 0, 1000],
    [1, 1, 2000],
    [2, 0, 2000],
    [3, 1, 8000],
    [5, 0, 15_000],
    [9, 1, 30_000],
  ])("after attempt %i with jitter %d waits %i ms", (attempt, random, ms) => {
    expect(backoffDelayMs(attempt, policy, () => random)).toBe(ms);
  });
});
