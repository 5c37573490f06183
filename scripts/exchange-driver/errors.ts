// Exchange's errors, classified on the code and type, not the English (contract: "Errors":
// they arrive as `ExNNNNNN|<ExceptionType>|<text>`). The texts matched below are the only
// signal Microsoft gives for those cases; each one cites docs/microsoft-contract.md ("Errors and warnings"). The message shapes the
// classifier is tested on (test/exchange-driver/errors.test.ts) are listed with their sources in
// docs/powershell-tier.md, "Error shapes".
import { duration } from "../cli/words";
import { missingRoleAdvice } from "./roles";

/** The error record the shim sends for a failed cmdlet. */
export interface ShimError {
  message: string;
  /** PowerShell ErrorCategory (`NotSpecified`, `ObjectNotFound`, `ResourceBusy`, …). */
  category: string;
  fullyQualifiedErrorId: string;
  /** The .NET type of the exception PowerShell caught. */
  exceptionType: string;
}

export type ExchangeErrorKind =
  | "notFound"
  | "alreadyExists"
  | "transient"
  | "spNotFoundYet"
  | "principalNotVisibleYet"
  | "accessDenied"
  | "notRecognized"
  | "permanent";

/**
 * Kinds worth another attempt (the cloud is eventually consistent or busy). principalNotVisibleYet:
 * right after New-ServicePrincipal, cmdlets naming the new principal (-User, -Trustee) can fail
 * with Ex94914C "Couldn't find object" until directory replication catches up (contract
 * "Exchange Online side"); the driver only ever names a principal it has just seen or created.
 */
export const RETRYABLE_KINDS: ReadonlySet<ExchangeErrorKind> = new Set([
  "transient",
  "spNotFoundYet",
  "principalNotVisibleYet",
]);

export interface ParsedExchangeMessage {
  /** `Ex6F9304`, when the message carries one. */
  code?: string;
  /** `Microsoft.Exchange.Configuration.Tasks.ManagementObjectNotFoundException`, when carried. */
  type?: string;
  /** The human text after the code and type. */
  text: string;
}

/** Split `ExNNNNNN|Type|text` (EXO V3 REST cmdlets); anything else is all text. */
export function parseExchangeMessage(message: string): ParsedExchangeMessage {
  const m = /^\s*(Ex[0-9A-Fa-f]{6})\|([^|\s]+)\|([\s\S]*)$/.exec(message);
  return m ? { code: m[1], type: m[2], text: m[3].trim() } : { text: message.trim() };
}

// Transient texts Microsoft publishes no code for (reported; docs/microsoft-contract.md, "Errors").
const TRANSIENT_TEXT = [
  /A server side error has occurred because of which the operation could not be completed/i,
  /We cannot currently process your request, please wait a few minutes and try again/i,
  /micro delay applied/i,
];
const TRANSIENT_CATEGORIES = new Set([
  "ResourceBusy",
  "OperationTimeout",
  "LimitsExceeded",
  "ConnectionError",
]);
const TRANSIENT_TYPES =
  /(HttpRequestException|TimeoutException|TaskCanceledException|SocketException|WebException|ServerBusyException|ThrottlingException|TransientException)$/;
// The REST module's own failure once its retries are spent: `Error while querying REST service.
// HttpStatusCode=<n> ErrorMessage=<OData body>` (public V3 transcripts). 429 and 5xx are the
// service being busy or failing over; so is any …TransientException named in the body
// (Microsoft.Exchange.Data.Directory.ADTransientException is the one seen).
const TRANSIENT_HTTP = /\bHttpStatusCode=(429|5\d\d)\b/;
const TRANSIENT_EXCEPTION_NAMED = /\b[\w.]*TransientException\b/;
const DENIED_HTTP = /\bHttpStatusCode=40[13]\b/;
/** Ex94914C: an object a parameter names (-User, -Trustee) does not resolve (docs/microsoft-contract.md, "Errors"). */
const REFERENCED_NOT_FOUND_CODE = "Ex94914C";
const REFERENCED_NAME = /Couldn't find object "([^"]+)"/;
const ACCESS_DENIED_TYPES =
  /(AccessDenied\w*Exception|UnauthorizedAccessException|OperationRequiresGroupManagerException)$/;
// Out of write scope, missing Entra role, bad/expired certificate, unauthorized (docs/microsoft-contract.md, "Connect-ExchangeOnline failures"; some inferred).
const ACCESS_DENIED_TEXT = [
  /isn't within your current write scopes/i,
  /The role assigned to application \S+ isn't supported in this scenario/i,
  /\bAADSTS\d+/,
  /\bUnAuthorized\b/,
];

/** What the failed call was about: its target (the mailbox, for permission cmdlets). */
export interface ClassifyContext {
  target?: string;
}

/** The object an Ex94914C names, when the (English) text shows it. */
export function referencedObject(message: string): string | undefined {
  return REFERENCED_NAME.exec(message)?.[1];
}

/** Classify a shim error. Order matters: the most specific signal first. */
export function classifyExchangeError(e: ShimError, context: ClassifyContext = {}): ExchangeErrorKind {
  const { type = "", code } = parseExchangeMessage(e.message);
  const types = `${type} ${e.exceptionType} ${e.fullyQualifiedErrorId}`;
  // Entra SP not (yet) visible to Exchange (docs/microsoft-contract.md, "Errors"): a code-like token, not prose.
  if (/AADServicePrincipalNotFound/.test(`${e.message} ${types}`)) return "spNotFoundYet";
  if (/CommandNotFoundException/.test(types)) return "notRecognized";
  if (/ManagementObjectNotFoundException/.test(types)) {
    // A referenced object (Ex94914C) that is not the call's target is the principal named in
    // -User/-Trustee, which Exchange may not resolve yet; the target itself missing is notFound.
    const named = referencedObject(e.message);
    const target = context.target?.toLowerCase();
    const isTarget =
      target !== undefined &&
      (named ? named.toLowerCase() === target : e.message.toLowerCase().includes(target));
    if ((code?.toUpperCase() === REFERENCED_NOT_FOUND_CODE.toUpperCase() || named) && !isTarget)
      return "principalNotVisibleYet";
    return "notFound";
  }
  if (/(ADObjectAlreadyExistsException|ManagementObjectAlreadyExistsException)/.test(types))
    return "alreadyExists";
  if (
    ACCESS_DENIED_TYPES.test(type) ||
    ACCESS_DENIED_TYPES.test(e.exceptionType) ||
    e.category === "PermissionDenied"
  )
    return "accessDenied";
  if (TRANSIENT_HTTP.test(e.message) || TRANSIENT_EXCEPTION_NAMED.test(`${e.message} ${types}`))
    return "transient";
  if (ACCESS_DENIED_TEXT.some((r) => r.test(e.message)) || DENIED_HTTP.test(e.message)) return "accessDenied";
  if (
    TRANSIENT_TYPES.test(type) ||
    TRANSIENT_TYPES.test(e.exceptionType) ||
    TRANSIENT_CATEGORIES.has(e.category)
  )
    return "transient";
  if (TRANSIENT_TEXT.some((r) => r.test(e.message))) return "transient";
  return "permanent";
}

/**
 * AADServicePrincipalNotFound: either Exchange does not see a new Entra service principal yet, or
 * -ObjectId names something that is no service principal — most often the app registration's
 * object id (docs/microsoft-contract.md, "Exchange Online side").
 */
export const SP_OBJECT_ID_ADVICE =
  "if that object id is the app registration's object id (App registrations > Overview), use the enterprise " +
  "application's (service principal's) object id instead (Enterprise applications > Overview, or " +
  "`az ad sp show --id <client id> --query id`); if it is the service principal's and it was created minutes ago, " +
  "Exchange does not see it yet: run again later";

/** 850 → "850 ms", 95000 → "95 s": the CLI kit's wording (scripts/cli/words.ts). */
export { duration };

/** A session-level failure: pwsh missing, died, closed, bad settings. */
export class ExchangeSessionError extends Error {
  override name = "ExchangeSessionError";
}

/** A cmdlet Exchange refused, with what it said. `message` reads "Running <cmdlet> on <target>: <Exchange's text>". */
export class ExchangeCmdletError extends Error {
  override name = "ExchangeCmdletError";
  readonly kind: ExchangeErrorKind;
  /** Exchange's own text (without the `ExNNNNNN|Type|` prefix). */
  readonly exchangeMessage: string;
  readonly code?: string;
  readonly category: string;
  readonly fullyQualifiedErrorId: string;
  readonly exceptionType: string;
  /** Attempts made (1 unless retried). */
  readonly attempts: number;
  /** From the first attempt to giving up, ms, when retried until a deadline. */
  waitedMs?: number;

  constructor(
    readonly cmdlet: string,
    readonly target: string | undefined,
    readonly error: ShimError,
    readonly warnings: string[] = [],
    attempts = 1,
    prefix?: string,
  ) {
    const parsed = parseExchangeMessage(error.message);
    const where = target ? `${cmdlet} on ${target}` : cmdlet;
    super(`${prefix ?? `Running ${where}`}: ${parsed.text}${parsed.code ? ` (${parsed.code})` : ""}`);
    this.kind = classifyExchangeError(error, { target });
    this.exchangeMessage = parsed.text;
    this.code = parsed.code;
    this.category = error.category;
    this.fullyQualifiedErrorId = error.fullyQualifiedErrorId;
    this.exceptionType = parsed.type ?? error.exceptionType;
    this.attempts = attempts;
  }

  get retryable(): boolean {
    return RETRYABLE_KINDS.has(this.kind);
  }

  /**
   * What to do about this error, when its kind says more than Exchange's text: the missing role
   * (notRecognized, roles.ts), the object id to check (spNotFoundYet), the replication wait
   * (principalNotVisibleYet). Every message built from this error keeps it (observe.ts rephrase).
   */
  get advice(): string | undefined {
    switch (this.kind) {
      case "notRecognized":
        return missingRoleAdvice(this.cmdlet);
      case "spNotFoundYet":
        return SP_OBJECT_ID_ADVICE;
      case "principalNotVisibleYet": {
        const named = referencedObject(this.error.message);
        return (
          `Exchange does not yet resolve the service principal ${named ? `'${named}' ` : ""}named in -User/-Trustee ` +
          `(directory replication after New-ServicePrincipal can take minutes): run again later, or check it exists ` +
          `with Get-ServicePrincipal${named ? ` -Identity ${named}` : ""}`
        );
      }
      default:
        return undefined;
    }
  }

  /** The same error, reworded for a retry budget that ran out. */
  deadlineExceeded(attempts: number, elapsedMs: number, deadlineMs: number): ExchangeCmdletError {
    const where = this.target ? `${this.cmdlet} on ${this.target}` : this.cmdlet;
    const named = referencedObject(this.error.message);
    const hint =
      this.kind === "spNotFoundYet"
        ? "; if this persists, either -ObjectId is not the service principal's (Enterprise application's) object id " +
          "(the app registration's is refused the same way), or the organization may belong to another tenant: " +
          "Exchange looks the service principal up in the tenant of exo-oauth:organization, which must be the tenant " +
          "the application and its service principal are registered in (exo-oauth:tenantId)"
        : this.kind === "principalNotVisibleYet"
          ? `; Exchange does not yet resolve the service principal ${named ? `'${named}' ` : ""}named in -User/-Trustee (directory replication after New-ServicePrincipal can take minutes): run again later, or check it exists with Get-ServicePrincipal${named ? ` -Identity ${named}` : ""}`
          : "";
    const spent = new ExchangeCmdletError(
      this.cmdlet,
      this.target,
      this.error,
      this.warnings,
      attempts,
      `Running ${where}: still failing after ${attempts} attempts over ${duration(elapsedMs)} (retry deadline ${duration(deadlineMs)})${hint}`,
    );
    spent.waitedMs = elapsedMs;
    return spent;
  }
}
