// npm run offline-tenant -- <command>
//   serve [--json]   deploy the demo stack into a fresh offline tenant and serve its token endpoint
//                    and mail servers on loopback until Ctrl-C (docs/offline-tenant.md, "The demo and serve")
// Exit codes: 0 stopped cleanly, 1 it could not start, 2 bad usage.
import { parseArgs } from "node:util";
import { EXIT, UsageError } from "./demo/cli-support";
import { serve } from "./serve/serve";

export const USAGE = `Usage: npm run offline-tenant -- serve [--json]

serve    Deploys Pulumi.demo.yaml into a fresh SIMULATED tenant (nothing reaches Microsoft) and
         serves its token endpoint and IMAP/POP/SMTP on 127.0.0.1 for your mail client to rehearse
         against, until Ctrl-C (SIGINT) or SIGTERM; then stops and removes everything it started.
         Prints the authority and token URL, the CA file to trust, tenant and client ids, the path of
         a 0600 file holding the client secret (never the secret), the mail servers and mailboxes.
  --json   the same as ONE line of JSON on stdout (progress goes to stderr)`;

export interface OfflineTenantArgs {
  command: "serve" | "help";
  json: boolean;
}

/** The command line, checked. Throws UsageError naming what is wrong. */
export function parseOfflineTenantArgs(argv: string[]): OfflineTenantArgs {
  let parsed: { values: { json?: boolean; help?: boolean }; positionals: string[] };
  try {
    parsed = parseArgs({
      args: argv,
      options: { json: { type: "boolean" }, help: { type: "boolean", short: "h" } },
      strict: true,
      allowPositionals: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const [command, ...rest] = parsed.positionals;
  if (parsed.values.help || command === "help") return { command: "help", json: false };
  if (command !== "serve")
    throw new UsageError(
      command ? `Unknown command '${command}': expected serve` : "Missing command: expected serve",
    );
  if (rest.length) throw new UsageError(`Unexpected argument '${rest[0]}'`);
  return { command, json: parsed.values.json ?? false };
}

export async function main(argv: string[]): Promise<number> {
  let args: OfflineTenantArgs;
  try {
    args = parseOfflineTenantArgs(argv);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}\n`);
    return EXIT.usage;
  }
  if (args.command === "help") {
    process.stdout.write(`${USAGE}\n`);
    return EXIT.ok;
  }
  const stopped = new Promise<string>((resolve) => {
    process.once("SIGINT", () => resolve("SIGINT"));
    process.once("SIGTERM", () => resolve("SIGTERM"));
  });
  return serve({
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    json: args.json,
    stopped,
  });
}

if (require.main === module)
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`offline-tenant: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(EXIT.failed);
    },
  );
