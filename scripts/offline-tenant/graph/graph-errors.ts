// Graph's error answers as the offline tenant gives them, and the deploying identity's permissions
// (the application permissions its token would carry). Texts: docs/offline-tenant.md ("Reads the
// program makes"). The provider wraps an answer as go-azure-sdk does (sdk/client/client.go Execute:
// "unexpected status <code> (<code> <text>) with error: <code>: <message>").
import type { GraphAnswer } from "./behaviours";

const STATUS_TEXT: Record<number, string> = { 400: "Bad Request", 403: "Forbidden", 404: "Not Found" };

/** A Graph error answer, thrown by a Graph operation; `message` is the provider's wrapping. */
export class GraphError extends Error {
  constructor(
    readonly answer: GraphAnswer,
    /** What the provider was doing (its diagnostic summary), e.g. "listing domains". */
    what: string,
  ) {
    super(
      `${what}: unexpected status ${answer.status} (${answer.status} ${STATUS_TEXT[answer.status] ?? ""}) ` +
        `with error: ${answer.code}: ${answer.message}`,
    );
  }
}

/** Graph's 404 for an object a replica does not (yet) have. */
export function notFoundAnswer(id: string): GraphAnswer {
  return {
    status: 404,
    code: "Request_ResourceNotFound",
    message: `Resource '${id}' does not exist or one of its queried reference-property objects are not present.`,
  };
}

/** Graph's 403 for a token without a permission the request needs. */
export const FORBIDDEN: GraphAnswer = {
  status: 403,
  code: "Authorization_RequestDenied",
  message: "Insufficient privileges to complete the operation.",
};

/**
 * The application permissions the offline deploying identity holds by default: the README's least
 * privilege for this stack (its "deploying identity's Graph permissions" table).
 */
export const DEPLOYER_PERMISSIONS: readonly string[] = [
  "Application.ReadWrite.OwnedBy",
  "AppRoleAssignment.ReadWrite.All",
  "Application.Read.All",
  "Domain.Read.All",
];

/**
 * The application permissions that allow each read the stack makes (Microsoft Graph's API pages,
 * "Permissions", application rows: least privileged and higher).
 */
export const READ_PERMISSIONS = {
  /** GET /domains (domain-list). */
  domains: ["Domain.Read.All", "Domain.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All"],
  /** GET /servicePrincipals?$filter=…, GET /servicePrincipals/{id} (serviceprincipal-list, -get). */
  servicePrincipals: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  /**
   * GET /applications?$filter=… (application-list), as `npm run check-expiry` reads it. Graph also
   * lets Application.ReadWrite.OwnedBy list the applications it owns; the offline front does not
   * model ownership of the reader and refuses it (stricter).
   */
  applications: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
  /** GET /servicePrincipals/{id}/appRoleAssignments (serviceprincipal-list-approleassignments). */
  appRoleAssignments: [
    "Application.Read.All",
    "Application.ReadWrite.All",
    "Application.ReadWrite.OwnedBy",
    "Directory.Read.All",
    "Directory.ReadWrite.All",
  ],
} as const;

/** The 403 answer unless `held` has one of `anyOf`. */
export function missingPermission(
  held: readonly string[],
  anyOf: readonly string[],
): GraphAnswer | undefined {
  return anyOf.some((p) => held.includes(p)) ? undefined : FORBIDDEN;
}
