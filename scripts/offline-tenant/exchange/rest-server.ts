// The offline Exchange over HTTP on loopback, shaped like the Admin API the real
// ExchangeOnlineManagement module's REST cmdlets call (docs/powershell-tier.md, "REST front"):
//
//   POST /adminapi/beta/{tenantId}/InvokeCommand
//        Authorization: Bearer <token>, connection-id: <id>
//        { "CmdletInput": { "CmdletName": "Get-Mailbox", "Parameters": { "Identity": "a@contoso.com" } } }
//     200 { "@odata.context": …, "adminapi.warnings@odata.type": "#Collection(String)",
//           "@adminapi.warnings": [ … ], "value": [ { … }, … ] }
//     400/404 { "error": { "code", "message": "Error executing cmdlet",
//               "details": [ { "code": "Client", "target": "", "message": "ExNNNNNN|<Type>|<text>" } ],
//               "innererror": { "message", "type": "Microsoft.Exchange.Admin.OData.Core.ODataServiceException" } } }
//     429 (Retry-After: <s>) / 500: the same error shape, code TooManyRequests / InternalServerError.
//
// Plus the double's own handshake, standing in for the token request and module download
// Connect-ExchangeOnline does (not Microsoft's API; namespaced /exo-sim/):
//   POST /exo-sim/v1/connect     { organization, auth, knobs } → { connectionId, tenantId, token, commands }
//   POST /exo-sim/v1/disconnect  (connection-id header)
//   GET  /exo-sim/v1/format-data → a Format.ps1xml for the objects the cmdlets return
//
// Exchange's behaviour is service.ts — the same code the simulator (fake tier) runs. The knobs
// (EXO_SIM_STATE, EXO_SIM_STATS, EXO_SIM_FAULTS, EXO_SIM_LATENCY) come from the pwsh that
// connects (the stand-in module forwards its environment), so fault counts are per connection
// = per driver run, as with the simulator. One server can serve many tenants and runs.
//
// CLI: `tsx scripts/offline-tenant/exchange/rest-server.ts [--port N]` prints
// `EXO_SIM_REST_URL=http://127.0.0.1:<port>` and serves until SIGTERM/SIGINT.
import { randomUUID } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import * as E from "./errors";
import { SimError } from "./errors";
import { OUTPUT_TYPES, formatData } from "./format-data";
import { parseFaults, parseLatency } from "./knobs";
import { CMDLETS, bindParameters } from "./params";
import { ExchangeConnection, type ExchangeAnswer } from "./service";

/** The environment variable the stand-in module reads the server's base URL from. */
export const REST_URL_ENV = "EXO_SIM_REST_URL";

/** What the stand-in module sends when Connect-ExchangeOnline reaches the double. */
export interface ConnectRequest {
  organization: string;
  auth: {
    kind: "certificate" | "managedIdentity" | "accessToken";
    appId?: string;
    managedIdentityAccountId?: string;
    /** accessToken: the token itself, used as the Bearer of every request (as the real module does). */
    accessToken?: string;
  };
  /** The connecting pwsh's EXO_SIM_* variables, as they are. */
  knobs: { state?: string; stats?: string; faults?: string; latency?: string };
}

interface Connection {
  exchange: ExchangeConnection;
  tenantId: string;
  token: string;
}

export interface RestServer {
  /** http://127.0.0.1:<port> */
  url: string;
  /** Requests served, by path kind (for tests and the bench). */
  requests: { connect: number; invoke: number; disconnect: number; formatData: number };
  /** The X-ClientModuleVersion of each connect, in order (which module the shim loaded). */
  moduleVersions: string[];
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: object,
  ) {
    super(JSON.stringify(body));
  }
}

const badRequest = (message: string) =>
  new HttpError(400, {
    error: { code: "BadRequest", message, innererror: { message, type: "ExoSimKnobError" } },
  });
const unauthorized = (message: string) => new HttpError(401, { error: { code: "Unauthorized", message } });

/** Start the REST front on loopback (port 0 = any free port). */
export async function startRestServer(port = 0): Promise<RestServer> {
  const connections = new Map<string, Connection>();
  const requests = { connect: 0, invoke: 0, disconnect: 0, formatData: 0 };
  const moduleVersions: string[] = [];

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const e =
        err instanceof HttpError
          ? err
          : new HttpError(500, { error: { code: "InternalServerError", message: String(err) } });
      send(res, e.status, e.body);
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const invoke = /^\/adminapi\/beta\/([^/]+)\/InvokeCommand$/.exec(url.pathname);
    if (req.method === "POST" && invoke) {
      requests.invoke++;
      return invokeCommand(req, res, decodeURIComponent(invoke[1]));
    }
    if (req.method === "POST" && url.pathname === "/exo-sim/v1/connect") {
      requests.connect++;
      moduleVersions.push(String(req.headers["x-clientmoduleversion"] ?? ""));
      return send(res, 200, connect((await readJson(req)) as ConnectRequest));
    }
    if (req.method === "POST" && url.pathname === "/exo-sim/v1/disconnect") {
      requests.disconnect++;
      const c = connection(req);
      c.exchange.disconnect();
      c.exchange.flush();
      connections.delete(String(req.headers["connection-id"]));
      return send(res, 200, { disconnected: true });
    }
    if (req.method === "GET" && url.pathname === "/exo-sim/v1/format-data") {
      requests.formatData++;
      res.writeHead(200, { "content-type": "application/xml; charset=utf-8" });
      res.end(formatData());
      return;
    }
    throw new HttpError(404, {
      error: { code: "NotFound", message: `No route for ${req.method} ${url.pathname}` },
    });
  }

  function connect(body: ConnectRequest): object {
    const k = body?.knobs ?? {};
    if (!k.state)
      throw badRequest(
        "EXO_SIM_STATE is not set in the connecting pwsh's environment: point it at the offline tenant state file",
      );
    if (!existsSync(k.state)) throw badRequest(`EXO_SIM_STATE '${k.state}': no such file`);
    let exchange: ExchangeConnection;
    try {
      exchange = new ExchangeConnection({
        statePath: k.state,
        statsPath: k.stats || undefined,
        faults: parseFaults(k.faults),
        latency: parseLatency(k.latency),
      });
    } catch (err) {
      throw badRequest((err as Error).message);
    }
    try {
      exchange.connect(String(body.organization ?? ""));
    } catch (err) {
      exchange.countError();
      exchange.flush();
      if (err instanceof SimError) throw unauthorized(err.record.message);
      throw err;
    }
    exchange.flush();
    const connectionId = randomUUID();
    const token =
      body.auth?.kind === "accessToken" && body.auth.accessToken ? body.auth.accessToken : randomUUID();
    const { tenantId } = exchange.tenant();
    connections.set(connectionId, { exchange, tenantId, token });
    return {
      connectionId,
      tenantId,
      token: body.auth?.kind === "accessToken" ? undefined : token,
      // What the caller's RBAC lets it run, with the parameters this double models.
      commands: exchange.commands().map((name) => ({
        name,
        parameters: Object.keys(CMDLETS[name].params),
        typeName: OUTPUT_TYPES[name]?.typeName,
      })),
    };
  }

  function connection(req: IncomingMessage): Connection {
    const id = String(req.headers["connection-id"] ?? "");
    const c = connections.get(id);
    if (!c) throw unauthorized("No connection with this connection-id: call Connect-ExchangeOnline first");
    const auth = String(req.headers.authorization ?? "");
    if (auth !== `Bearer ${c.token}`)
      throw unauthorized("The Authorization header does not carry this connection's token");
    return c;
  }

  async function invokeCommand(req: IncomingMessage, res: ServerResponse, tenant: string): Promise<void> {
    const c = connection(req);
    if (tenant.toLowerCase() !== c.tenantId.toLowerCase())
      throw new HttpError(404, {
        error: { code: "NotFound", message: `Tenant '${tenant}' is not this connection's tenant` },
      });
    const body = (await readJson(req)) as { CmdletInput?: { CmdletName?: unknown; Parameters?: unknown } };
    const cmdlet = String(body?.CmdletInput?.CmdletName ?? "");
    try {
      if (!c.exchange.commands().includes(cmdlet)) {
        c.exchange.countNotRecognized();
        throw new HttpError(400, cmdletErrorBody(E.notRecognized(cmdlet).record.message, "BadRequest"));
      }
      let bound;
      try {
        bound = bindParameters(cmdlet, body.CmdletInput?.Parameters ?? {});
      } catch (err) {
        if (!(err instanceof SimError)) throw err;
        c.exchange.countError();
        const type = /NamedParameterNotFound|ParameterAlreadyBound|MissingMandatory/.test(
          err.record.fullyQualifiedErrorId,
        )
          ? "Microsoft.Exchange.AdminApi.CommandInvocation.AmbiguousParameterSetException"
          : "Microsoft.Exchange.AdminApi.CommandInvocation.ParameterTransformationException";
        throw new HttpError(
          400,
          cmdletErrorBody(`|${type}|${err.record.message}`, "BadRequest", "Invalid Operation"),
        );
      }
      const out = c.exchange.run(cmdlet, bound);
      const headers: Record<string, string> = out.crash ? { "x-exosim-crash": out.crash } : {};
      answer(res, out.answer, headers);
    } finally {
      c.exchange.flush();
    }
  }

  await new Promise<void>((ok) => server.listen(port, "127.0.0.1", ok));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    requests,
    moduleVersions,
    close: () =>
      new Promise<void>((ok) => {
        for (const c of connections.values()) c.exchange.flush();
        server.closeAllConnections();
        server.close(() => ok());
      }),
  };
}

function cmdletErrorBody(detail: string, code: string, message = "Error executing cmdlet"): object {
  return E.odataErrorBody(code, message, "Microsoft.Exchange.Admin.OData.Core.ODataServiceException", detail);
}

/** Exchange's answer as the Admin API sends it. */
function answer(res: ServerResponse, a: ExchangeAnswer, headers: Record<string, string>): void {
  if (a.type === "ok") {
    send(
      res,
      200,
      {
        "@odata.context":
          "https://outlook.office365.com/adminapi/beta/$metadata#Collection(Exchange.GenericHashTable)",
        "adminapi.warnings@odata.type": "#Collection(String)",
        "@adminapi.warnings": a.warnings,
        value: a.result,
      },
      headers,
    );
  } else if (a.type === "error") {
    const notFound = /ManagementObjectNotFoundException/.test(a.record.message);
    send(
      res,
      notFound ? 404 : 400,
      cmdletErrorBody(a.record.message, notFound ? "NotFound" : "BadRequest"),
      headers,
    );
  } else {
    const f = a.failure;
    const extra: Record<string, string> =
      f.retryAfterSeconds !== undefined ? { "retry-after": String(f.retryAfterSeconds) } : {};
    send(res, f.status, E.odataErrorBody(f.code, f.message, f.innerType), { ...headers, ...extra });
  }
}

function send(res: ServerResponse, status: number, body: object, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    "request-id": randomUUID(),
    ...headers,
  });
  res.end(text);
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  try {
    return text ? JSON.parse(text) : {};
  } catch (err) {
    throw badRequest(`The request body is not JSON: ${(err as Error).message}`);
  }
}

async function main(): Promise<void> {
  const i = process.argv.indexOf("--port");
  const port = i > 0 ? Number(process.argv[i + 1]) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`rest-server: --port ${process.argv[i + 1]} is not a port number (0–65535)\n`);
    process.exit(64);
  }
  const s = await startRestServer(port);
  process.stdout.write(`${REST_URL_ENV}=${s.url}\n`);
  const stop = () => void s.close().then(() => process.exit(0));
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
}

if (require.main === module) void main();
