// The program's own Graph reads: paging, Graph's retry guidance (Retry-After, bounded 404 retries for
// replication), and errors that say what Graph answered.
import { describe, expect, it } from "vitest";
import {
  backoffMs,
  graphGetAll,
  listAppRoleAssignments,
  type GraphTransport,
} from "../../components/graphRead";

function scripted(answers: Awaited<ReturnType<GraphTransport>>[]): GraphTransport & { paths: string[] } {
  const paths: string[] = [];
  const t = (async (path: string) => {
    paths.push(path);
    const a = answers.shift();
    if (!a) throw new Error("no more answers");
    return a;
  }) as GraphTransport & { paths: string[] };
  t.paths = paths;
  return t;
}
const sleeps: number[] = [];
const sleep = async (ms: number) => void sleeps.push(ms);

describe("graphGetAll", () => {
  it("follows @odata.nextLink and concatenates the pages", async () => {
    const t = scripted([
      {
        status: 200,
        body: { value: [{ id: 1 }], "@odata.nextLink": "https://graph.microsoft.com/v1.0/x?$skiptoken=2" },
      },
      { status: 200, body: { value: [{ id: 2 }] } },
    ]);
    await expect(graphGetAll(t, "/v1.0/x", "Listing x", { sleep })).resolves.toEqual([{ id: 1 }, { id: 2 }]);
    expect(t.paths).toEqual(["/v1.0/x", "https://graph.microsoft.com/v1.0/x?$skiptoken=2"]);
  });

  it("waits Retry-After on 429, then succeeds", async () => {
    sleeps.length = 0;
    const t = scripted([
      { status: 429, body: {}, retryAfterSeconds: 7 },
      { status: 200, body: { value: [] } },
    ]);
    await graphGetAll(t, "/v1.0/x", "Listing x", { sleep });
    expect(sleeps).toEqual([7000]);
  });

  it("retries a 404 only as often as asked, backing off 1 s, 2 s, 4 s …, then reports Graph's answer", async () => {
    sleeps.length = 0;
    const nf = {
      status: 404,
      body: { error: { code: "Request_ResourceNotFound", message: "Resource 'x' does not exist" } },
    };
    const t = scripted([nf, nf, nf]);
    await expect(graphGetAll(t, "/v1.0/x", "Listing x", { sleep, notFoundRetries: 2 })).rejects.toThrow(
      "Listing x: Graph answered 404 Request_ResourceNotFound: Resource 'x' does not exist",
    );
    expect(sleeps).toEqual([backoffMs(0), backoffMs(1)]);
    expect(sleeps).toEqual([1000, 2000]);
  });

  it("does not retry a 403", async () => {
    const t = scripted([
      {
        status: 403,
        body: { error: { code: "Authorization_RequestDenied", message: "Insufficient privileges" } },
      },
    ]);
    await expect(graphGetAll(t, "/v1.0/x", "Listing x", { sleep })).rejects.toThrow(
      "403 Authorization_RequestDenied",
    );
    expect(t.paths).toHaveLength(1);
  });
});

describe("listAppRoleAssignments", () => {
  it("asks for the service principal's assignments with only the fields it needs", async () => {
    const t = scripted([
      { status: 200, body: { value: [{ id: "A", appRoleId: "r", resourceId: "e", principalId: "p" }] } },
    ]);
    await expect(listAppRoleAssignments(t, "p", { sleep })).resolves.toEqual([
      { id: "A", appRoleId: "r", resourceId: "e" },
    ]);
    expect(t.paths).toEqual(["/v1.0/servicePrincipals/p/appRoleAssignments?$select=id,appRoleId,resourceId"]);
  });
});
