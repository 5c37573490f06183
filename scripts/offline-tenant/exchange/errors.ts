// The errors the simulator answers with, shaped like the shim's error record around what
// PowerShell and Exchange Online raise. Texts come from docs/microsoft-contract.md ("Errors and
// warnings"); what is inferred (exception types, FQID layout) says so.
import { randomUUID } from "node:crypto";

export interface SimErrorRecord {
  message: string;
  category: string;
  fullyQualifiedErrorId: string;
  exceptionType: string;
}

/** Thrown by cmdlet code; the main loop turns it into `{ ok: false, error }`. */
export class SimError extends Error {
  constructor(readonly record: SimErrorRecord) {
    super(record.message);
  }
}

/** The server name Exchange quotes in not-found errors (the shape of docs/microsoft-contract.md's example). */
export const SERVER = "YT3PR01A12DC010.CANPR01A012.PROD.OUTLOOK.COM";

// REST cmdlets of EXO V3 raise `ExNNNNNN|Type|text` (docs/microsoft-contract.md, "Error records"). Public V3 transcripts show the
// record written by the module's Write-ErrorMessage: CategoryInfo `NotSpecified: (:)
// [<cmdlet>], <short type>`, FullyQualifiedErrorId `[Server=…,RequestId=…,TimeStamp=…],
// Write-ErrorMessage` (public transcripts); the exception's .NET type is not shown there (inferred: System.Exception).
function exchange(_cmdlet: string, code: string, type: string, text: string): SimError {
  return new SimError({
    message: `${code}|${type}|${text}`,
    category: "NotSpecified",
    fullyQualifiedErrorId: `[Server=${SERVER.split(".")[0]},RequestId=${randomUUID()},TimeStamp=${new Date().toUTCString()}],Write-ErrorMessage`,
    exceptionType: "System.Exception",
  });
}

const NOT_FOUND = "Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException";

/** Reported: `Ex6F9304|…ManagementObjectNotFoundException|The operation couldn't be performed because object 'x' couldn't be found on '<server>'.` */
export const objectNotFound = (cmdlet: string, identity: string) =>
  exchange(
    cmdlet,
    "Ex6F9304",
    NOT_FOUND,
    `The operation couldn't be performed because object '${identity}' couldn't be found on '${SERVER}'.`,
  );

/** Reported: a referenced object (-User, -Trustee) that does not resolve. */
export const referencedNotFound = (cmdlet: string, name: string) =>
  exchange(
    cmdlet,
    "Ex94914C",
    NOT_FOUND,
    `Couldn't find object "${name}". Please make sure that it was spelled correctly or specify a different object.`,
  );

/** Inferred: two objects answer to one identity (e.g. a display name). */
export const ambiguous = (cmdlet: string, identity: string) =>
  exchange(
    cmdlet,
    "Ex9D9B65",
    "Microsoft.Exchange.Configuration.Tasks.ManagementObjectAmbiguousException",
    `The operation couldn't be performed because '${identity}' matches multiple entries.`,
  );

/** Inferred: duplicate service principal (docs/microsoft-contract.md: matches `ADObjectAlreadyExistsException`). */
export const alreadyExists = (cmdlet: string, dn: string) =>
  exchange(
    cmdlet,
    "Ex3B3E0A",
    "Microsoft.Exchange.Data.Directory.ADObjectAlreadyExistsException",
    `Active Directory operation failed on ${SERVER}. The object '${dn}' already exists.`,
  );

/** Reported, text partly elided in docs/microsoft-contract.md: Entra SP not (yet) visible to Exchange. */
export const spNotFound = (cmdlet: string, objectId: string, appId: string) =>
  exchange(
    cmdlet,
    "Ex8A0CF8",
    "Microsoft.Exchange.Configuration.Tasks.TaskException",
    `AADServicePrincipalNotFound: No ServicePrincipal with Object Id '${objectId}' and App Id '${appId}' is registered in Azure Active Directory.`,
  );

/** Reported: the transient server error (no code published). */
export const serverBusy = () =>
  new SimError({
    message:
      "A server side error has occurred because of which the operation could not be completed. Please try again after some time. If the problem still persists, please reach out to MS support.",
    category: "NotSpecified",
    fullyQualifiedErrorId: "System.Exception",
    exceptionType: "System.Exception",
  });

/** Reported: out of write scope. */
export const outOfWriteScope = (cmdlet: string, target: string) =>
  exchange(
    cmdlet,
    "Ex0A5A4A",
    "Microsoft.Exchange.Data.Directory.ADScopeException",
    `'${target}' isn't within your current write scopes. Can't perform save operation.`,
  );

/** Reported: a cmdlet missing from the caller's RBAC (PowerShell's CommandNotFoundException). */
export const notRecognized = (cmdlet: string) =>
  new SimError({
    message: `The term '${cmdlet}' is not recognized as a name of a cmdlet, function, script file, or executable program.\nCheck the spelling of the name, or if a path was included, verify that the path is correct and try again.`,
    category: "ObjectNotFound",
    fullyQualifiedErrorId: "CommandNotFoundException",
    exceptionType: "System.Management.Automation.CommandNotFoundException",
  });

/** Reported text; `throw "text"` in a PowerShell function gives RuntimeException/OperationStopped. */
export const mustConnect = () =>
  new SimError({
    message: "You must call Connect-ExchangeOnline before calling any other cmdlet.",
    category: "OperationStopped",
    fullyQualifiedErrorId: "You must call Connect-ExchangeOnline before calling any other cmdlet.",
    exceptionType: "System.Management.Automation.RuntimeException",
  });

// ---- What the shim itself answers (must match shim.ps1's New-ShimError calls). ----
const shimError = (message: string, category: string, id: string) =>
  new SimError({
    message,
    category,
    fullyQualifiedErrorId: id,
    exceptionType: "System.InvalidOperationException",
  });

export const cmdletNotAllowed = (cmdlet: string, allowed: readonly string[]) =>
  shimError(
    `Cmdlet '${cmdlet}' is not allowed by the exo-oauth shim; allowed: ${allowed.join(", ")}`,
    "InvalidOperation",
    "CmdletNotAllowed",
  );
/** The shim's "no usable module" error; `message` comes from module-selection.ts (the shim's rule). */
export const moduleMissing = (message: string) => shimError(message, "NotInstalled", "ExchangeModuleMissing");
export const connectionUnknown = (connection: string) =>
  shimError(`Unknown connection '${connection}'`, "InvalidArgument", "ConnectionUnknown");

// ---- PowerShell's own parameter-binding errors (PowerShell 7's own texts). ----
const binding = (
  message: string,
  id: string,
  cmdlet: string,
  category = "InvalidArgument",
  type = "ParameterBindingException",
) =>
  new SimError({
    message,
    category,
    fullyQualifiedErrorId: `${id},${cmdlet}`,
    exceptionType: `System.Management.Automation.${type}`,
  });

export const unknownParameter = (cmdlet: string, name: string) =>
  binding(
    `A parameter cannot be found that matches parameter name '${name}'.`,
    "NamedParameterNotFound",
    cmdlet,
  );
export const duplicateParameter = (cmdlet: string, name: string) =>
  binding(
    `Cannot bind parameter because parameter '${name}' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, "-parameter value1,value2,value3".`,
    "ParameterAlreadyBound",
    cmdlet,
  );
export const missingMandatory = (cmdlet: string, names: string[]) =>
  binding(
    `Cannot process command because of one or more missing mandatory parameters: ${names.join(" ")}.`,
    "MissingMandatoryParameter",
    cmdlet,
  );
export const emptyArgument = (cmdlet: string, name: string, isNull: boolean) =>
  binding(
    `Cannot bind argument to parameter '${name}' because it is ${isNull ? "null" : "an empty string"}.`,
    isNull
      ? "ParameterArgumentValidationErrorNullNotAllowed"
      : "ParameterArgumentValidationErrorEmptyStringNotAllowed",
    cmdlet,
    "InvalidData",
    "ParameterBindingValidationException",
  );
export const cannotConvert = (
  cmdlet: string,
  name: string,
  value: unknown,
  type: string,
  allowed?: readonly string[],
) =>
  binding(
    `Cannot bind parameter '${name}'. Cannot convert value "${String(value)}" to type "${type}".` +
      (allowed
        ? ` Error: "Unable to match the identifier name ${String(value)} to a valid enumerator name. Specify one of the following enumerator names and try again:\n${allowed.join(", ")}"`
        : ""),
    "CannotConvertArgumentNoMessage",
    cmdlet,
  );
/** A confirming cmdlet run under -NonInteractive without -Confirm:$false. */
export const nonInteractivePrompt = (cmdlet: string) =>
  new SimError({
    message: "PowerShell is in NonInteractive mode. Read and Prompt functionality is not available.",
    category: "InvalidOperation",
    fullyQualifiedErrorId: `HostFunctionNotImplemented,${cmdlet}`,
    exceptionType: "System.Management.Automation.Host.HostException",
  });
/** Connect-ExchangeOnline given an empty secret (e.g. -AccessToken ''). */
export const connectArgumentEmpty = (name: string) => emptyArgument("Connect-ExchangeOnline", name, false);
/** Reported: wrong tenant / not authorized (docs/microsoft-contract.md: "UnAuthorized", inferred). */
export const unauthorized = (organization: string) =>
  new SimError({
    message: `UnAuthorized: the credentials are not valid for organization '${organization}'.`,
    category: "AuthenticationError",
    fullyQualifiedErrorId:
      "UnAuthorized,Microsoft.Exchange.Management.ExoPowershellSnapin.ConnectExchangeOnline",
    exceptionType: "System.Exception",
  });
export const badBase64 = () =>
  new SimError({
    message:
      'Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters."',
    category: "NotSpecified",
    fullyQualifiedErrorId: "FormatException",
    exceptionType: "System.Management.Automation.MethodInvocationException",
  });

// ---- HTTP-level failures of the REST transport (rest-server.ts) and how the module surfaces them ----

/** Inferred: the body of a 429: the OData error shape of the Admin API's error bodies (public transcripts), code and text inferred. */
export const TOO_MANY_REQUESTS = {
  code: "TooManyRequests",
  message:
    "The request was throttled because the tenant or application exceeded its request budget; retry after the period in the Retry-After header.",
  innerType: "Microsoft.Exchange.Admin.OData.Core.ODataServiceException",
};
/** Public V3 transcript: a 500 whose inner error is Exchange's AD transient exception (public V3 transcript). */
export const AD_TRANSIENT = {
  code: "InternalServerError",
  message:
    "The call to Microsoft Exchange Active Directory Topology service on server 'TopologyClientTcpEndpoint (localhost)' returned an error. Error details Active Directory server  is not available. Error message: Active directory response: The LDAP server is unavailable..",
  innerType: "Microsoft.Exchange.Data.Directory.ADTransientException",
};

/** The OData error body Exchange's Admin API answers a failed request with (public transcripts). */
export function odataErrorBody(code: string, message: string, innerType: string, details?: string) {
  return {
    error: {
      code,
      message,
      ...(details !== undefined ? { details: [{ code: "Client", target: "", message: details }] } : {}),
      innererror: { message, type: innerType, stacktrace: "" },
    },
  };
}

/**
 * What the module raises once its own retries of an HTTP failure are spent (public V3
 * transcripts): `Error while querying REST service. HttpStatusCode=<n> ErrorMessage=<body>`,
 * CategoryInfo ProtocolError (reason RestClientException), FQID "<message>,<cmdlet>" (inferred).
 */
export function restTransportError(cmdlet: string, status: number, body: object): SimErrorRecord {
  const message = `Error while querying REST service. HttpStatusCode=${status} ErrorMessage=${JSON.stringify(body)}`;
  return {
    message,
    category: "ProtocolError",
    fullyQualifiedErrorId: `An error occurred while processing this request.,${cmdlet}`,
    exceptionType: "System.Exception",
  };
}
