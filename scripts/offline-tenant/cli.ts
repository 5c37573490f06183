// npm run offline-tenant -- serve [--json]   (--help: the commands and options)
// Through the CLI kit (scripts/cli/: one parser, one exit-code table, one --json envelope):
//   serve   deploy the demo stack into a fresh offline tenant and serve its token endpoint and mail
//           servers on loopback until Ctrl-C (docs/offline-tenant.md, "The demo and serve").
// Exit codes: 0 stopped after serving, 1 it could not start, 64 a bad command line; 130/143 when
// SIGINT/SIGTERM stopped it before it served.
import { type ToolSpec } from "../cli/args";
import { EXIT, SIGNAL_EXIT, type StopSignal } from "../cli/exit-codes";
import { processIO, runTool, stopSignal, type ToolIO } from "../cli/run";
import { connectionText, SERVE_SCHEMA } from "./serve/connection";

export const OFFLINE_TENANT_SPEC: ToolSpec = {
  invocation: "npm run offline-tenant --",
  summary: "The offline tenant, for trying a client against it by hand.",
  options: {
    json: {
      type: "boolean",
      description: "the connection as ONE line of JSON on stdout, once serving (progress on stderr)",
    },
  },
  commands: {
    serve: {
      summary: "deploy Pulumi.demo.yaml into a fresh SIMULATED tenant and serve it on 127.0.0.1",
      details: [
        "Deploys Pulumi.demo.yaml into a fresh SIMULATED tenant (nothing reaches Microsoft) and serves",
        "its token endpoint and IMAP/POP/SMTP on 127.0.0.1 for your mail client to rehearse against,",
        "until Ctrl-C (SIGINT) or SIGTERM; then stops and removes everything it started.",
        "Prints the authority and token URL, the CA file to trust, tenant and client ids, the path of",
        "a 0600 file holding the client secret (never the secret), the mail servers and mailboxes.",
        "Stopped by a signal before it serves: exit 130 (SIGINT) or 143 (SIGTERM).",
        'docs/offline-tenant.md, "The demo and serve".',
      ].join("\n"),
    },
  },
  exitCodes: ["ok", "error", "usage"],
};

/** The tool on these arguments and streams; returns the exit code (never throws). */
export function runOfflineTenant(
  argv: readonly string[],
  io: ToolIO,
  stopped: Promise<StopSignal>,
): Promise<number> {
  return runTool({ spec: OFFLINE_TENANT_SPEC, schema: () => SERVE_SCHEMA }, argv, io, async (inv) => {
    // Loaded here, not above: help and usage errors answer without loading the engine.
    const { serve } = await import("./serve/serve");
    const exitCode = await serve({
      ready: (connection) =>
        inv.json ? inv.documentNow({ ...connection }) : io.stdout(connectionText(connection)),
      err: io.stderr,
      stopped,
    });
    // Stopped before it served: the document (--json) says by which signal.
    const signal = (Object.keys(SIGNAL_EXIT) as StopSignal[]).find((s) => SIGNAL_EXIT[s] === exitCode);
    return exitCode === EXIT.ok || !signal ? { exitCode } : { exitCode, body: { interrupted: signal } };
  });
}

if (require.main === module)
  // process.exit, not exitCode: the servers' sockets are closed, but a client may hold one open.
  void runOfflineTenant(process.argv.slice(2), processIO(), stopSignal()).then((code) => process.exit(code));
