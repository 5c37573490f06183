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
    // The REST module's own error once its retries of an HTTP failure are spent (public V3
    // transcripts: "Error while querying REST service. HttpStatusCode=<n> ErrorMessage=<body>",
    // CategoryInfo ProtocolError, reason RestClientException).
    [
      "a 500 whose body names Exchange's ADTransientException",
      e(
        'Error while querying REST service. HttpStatusCode=500 ErrorMessage={"error":{"code":"InternalServerError","message":"The call to Microsoft Exchange Active Directory Topology service on server \'TopologyClientTcpEndpoint (localhost)\' returned an error. Error details Active Directory server  is not available. Error message: Active directory response: The LDAP server is unavailable..","innererror":{"message":"The call to Microsoft Exchange Active Directory Topology service on server \'TopologyClientTcpEndpoint (localhost)\' returned an error.","type":"Microsoft.Exchange.Data.Directory.ADTransientException"}}}',
        {
          category: "ProtocolError",
          fullyQualifiedErrorId: "An error occurred while processing this request.,Get-EXOMailbox",
        },
      ),
      "transient",
    ],
    [
      "a 429 the module gave up on",
      e(
        'Error while querying REST service. HttpStatusCode=429 ErrorMessage={"error":{"code":"TooManyRequests","message":"The request was throttled.","innererror":{"type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}}}',
        { category: "ProtocolError" },
      ),
      "transient",
    ],
    [
      "a 503 without a body",
      e("Error while querying REST service. HttpStatusCode=503 ErrorMessage=", { category: "ProtocolError" }),
      "transient",
    ],
    [
      "any …TransientException as the error's type",
      e("Ex5A8E23|Microsoft.Exchange.Data.Storage.StorageTransientException|The store is busy."),
      "transient",
    ],
    [
      "a 404 from the REST service (not transient)",
      e(
        'Error while querying REST service. HttpStatusCode=404 ErrorMessage={"error":{"code":"NotFound","message":"An server side error occured.","innererror":{"message":"An server side error occured.","type":"Microsoft.Exchange.Admin.OData.Core.ODataServiceException"}}}',
        { category: "ProtocolError" },
      ),
      "permanent",
    ],
    [
      "a 403 from the REST service",
      e("Error while querying REST service. HttpStatusCode=403 ErrorMessage=", { category: "ProtocolError" }),
      "accessDenied",
    ],
    [
      "the stand-in's UnauthorizedAccessException for a tenant the token is not for",
      e("UnAuthorized: the credentials are not valid for organization 'fabrikam.onmicrosoft.com'.", {
        category: "OperationStopped",
        exceptionType: "System.UnauthorizedAccessException",
      }),
      "accessDenied",
    ],
  ])("reads %s as %s", (_what, error, kind) => {
    expect(classifyExchangeError(error)).toBe(kind);
  });

  const referenced = (name: string) =>
    e(
      `Ex94914C|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|Couldn't find object "${name}". Please make sure that it was spelled correctly or specify a different object.`,
      {
        fullyQualifiedErrorId:
          "[Server=LO0P265MB6319,RequestId=cdbee040-8423-345d-3ab7-de141358c6dd,TimeStamp=Mon, 21 Oct 2024 23:12:29 GMT],Write-ErrorMessage",
      },
    );

  it("reads Ex94914C naming the principal in -User, not the mailbox, as a principal Exchange cannot see yet (retried)", () => {
    const err = referenced("33333333-3333-4333-8333-333333333333");
    expect(classifyExchangeError(err, { target: "a@contoso.com" })).toBe("principalNotVisibleYet");
    expect(classifyExchangeError(err)).toBe("principalNotVisibleYet");
    expect(new ExchangeCmdletError("Add-MailboxPermission", "a@contoso.com", err).retryable).toBe(true);
  });

  it("reads Ex94914C naming the call's own target as notFound (not retried)", () => {
    expect(classifyExchangeError(referenced("A@contoso.com"), { target: "a@contoso.com" })).toBe("notFound");
    const missing = e(
      "Ex6F9304|Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException|The operation couldn't be performed because object 'a@contoso.com' couldn't be found on 'YT3PR01A12DC010.CANPR01A012.PROD.OUTLOOK.COM'.",
    );
    expect(classifyExchangeError(missing, { target: "a@contoso.com" })).toBe("notFound");
  });

  it("says what to check when the principal never becomes visible within the deadline", () => {
    const err = new ExchangeCmdletError(
      "Add-MailboxPermission",
      "a@contoso.com",
      referenced("33333333-3333-4333-8333-333333333333"),
    );
    expect(err.deadlineExceeded(7, 95_000, 90_000).message).toBe(
      "Running Add-MailboxPermission on a@contoso.com: still failing after 7 attempts over 95 s (retry deadline 90 s); " +
        "Exchange does not yet resolve the service principal '33333333-3333-4333-8333-333333333333' named in -User/-Trustee " +
        "(directory replication after New-ServicePrincipal can take minutes): run again later, or check it exists with " +
        'Get-ServicePrincipal -Identity 33333333-3333-4333-8333-333333333333: Couldn\'t find object "33333333-3333-4333-8333-333333333333". ' +
        "Please make sure that it was spelled correctly or specify a different object. (Ex94914C)",
    );
  });

  it("names another tenant among the causes when the service principal is never found within the deadline", () => {
    const err = new ExchangeCmdletError(
      "New-ServicePrincipal",
      "AppId 22222222-2222-4222-8222-222222222222",
      e(
        "Ex8A0CF8|Microsoft.Exchange.Configuration.Tasks.TaskException|AADServicePrincipalNotFound: No ServicePrincipal with Object Id '33333333-3333-4333-8333-333333333333' is registered",
      ),
    );
    expect(err.kind).toBe("spNotFoundYet");
    const message = err.deadlineExceeded(9, 600_000, 600_000).message;
    expect(message).toContain("or the organization may belong to another tenant");
    expect(message).toContain(
      "must be the tenant the application and its service principal are registered in (exo-oauth:tenantId)",
    );
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
