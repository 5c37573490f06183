// The application's live client secrets, read from Microsoft Graph: GET /v1.0/applications?$filter=
// appId eq '<clientId>'&$select=id,appId,passwordCredentials (application-list; permission
// Application.Read.All or higher: https://learn.microsoft.com/graph/api/application-list). Through
// components/graphRead.ts (retries on 429/503/504); the transport signs in like the azuread provider
// (components/providerSignIn.ts) or, in tests, answers from the offline tenant
// (scripts/offline-tenant/graph/rest.ts).
import { graphGetAll, GraphReadError, type GraphTransport } from "../../../components/graphRead";
import { providerSettings, graphTransportFor, signInPlan } from "../../../components/providerSignIn";

/** What Graph says about the application's secrets. */
export type LiveCredentials =
  | { status: "read"; passwords: { keyId: string; endDateTime: string }[] }
  | { status: "no-application" }
  | { status: "unavailable"; reason: string };

/** A transport, or why none can be made. */
export type GraphAccess = GraphTransport | { unavailable: string };

/** The deploying identity's sign-in, from the ARM_* variables the azuread provider reads. */
export function graphAccessFromEnvironment(env: NodeJS.ProcessEnv): GraphAccess {
  const plan = signInPlan(providerSettings(() => undefined, env));
  if (!plan.ok) return { unavailable: `cannot sign in like the azuread provider: ${plan.reason}` };
  return graphTransportFor(plan);
}

export async function readLiveCredentials(
  access: GraphAccess,
  clientId: string,
  opts: { sleep?: (ms: number) => Promise<void> } = {},
): Promise<LiveCredentials> {
  if (typeof access !== "function") return { status: "unavailable", reason: access.unavailable };
  const path =
    `/v1.0/applications?$filter=${encodeURIComponent(`appId eq '${clientId}'`)}` +
    "&$select=id,appId,passwordCredentials";
  try {
    const rows = await graphGetAll(access, path, `Listing application ${clientId}'s client secrets`, opts);
    if (rows.length === 0) return { status: "no-application" };
    const creds = Array.isArray(rows[0].passwordCredentials) ? rows[0].passwordCredentials : [];
    return {
      status: "read",
      passwords: (creds as Record<string, unknown>[]).map((p) => ({
        keyId: String(p.keyId),
        endDateTime: String(p.endDateTime),
      })),
    };
  } catch (err) {
    const reason =
      err instanceof GraphReadError && err.status === 403
        ? `${err.message}; give the deploying identity Application.Read.All to have the live secrets checked`
        : (err as Error).message;
    return { status: "unavailable", reason };
  }
}
