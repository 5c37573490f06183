// `npm run offline-tenant -- serve`: deploys the demo stack (Pulumi.demo.yaml) into a fresh offline
// tenant with the multi-run engine, then keeps its token endpoint and mail peers running on
// loopback for a mail client to rehearse against, until SIGINT or SIGTERM; then stops everything
// it started (Dovecot, servers) and removes its temporary directories.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { up } from "../demo/pulumi";
import { loadDemoStack } from "../demo/stack";
import { createWorld, type World } from "../demo/world";
import { envelope } from "../demo/cli-support";
import { connectionOf, connectionText, SERVE_SCHEMA, type Connection } from "./connection";

export interface ServeIO {
  /** The connection document or text (stdout). */
  out: (text: string) => void;
  /** Progress (stderr). */
  err: (text: string) => void;
  json: boolean;
  /** Resolves when the server must stop (the CLI: on SIGINT or SIGTERM). */
  stopped: Promise<string>;
}

/** Runs until `io.stopped` settles; returns the exit code. Cleans up on every path. */
export async function serve(io: ServeIO): Promise<number> {
  const started = new Date();
  let world: World | undefined;
  let stopping: string | undefined;
  void io.stopped.then((signal) => (stopping = signal));
  try {
    const stack = loadDemoStack();
    io.err(
      `Starting a simulated tenant ${stack.config.tenantId} and deploying ${stack.file.split("/").pop()}…\n`,
    );
    world = await createWorld({ stack });
    const { item } = await up(world, stack.values);
    if (!item.ok) {
      io.err(`pulumi up failed: ${item.error}\n${item.exchange.flatMap((r) => r.lines).join("\n")}\n`);
      return 1;
    }
    if (stopping) return 0; // interrupted while deploying: nothing to serve
    const secretFile = join(world.dir, "client-secret");
    writeFileSync(secretFile, String(world.outputs.clientSecret), { mode: 0o600 });
    const connection: Connection = connectionOf(
      world.outputs,
      world.services,
      secretFile,
      stack.config.organization,
    );
    io.out(
      io.json
        ? JSON.stringify(envelope(SERVE_SCHEMA, true, started, new Date(), connection)) + "\n"
        : connectionText(connection),
    );
    const signal = await io.stopped;
    io.err(`${signal}: stopping the offline tenant…\n`);
    return 0;
  } catch (err) {
    io.err(`offline-tenant serve: ${(err as Error).message}\n`);
    return 1;
  } finally {
    await world?.close();
    if (world) io.err("Stopped: servers and Dovecot stopped, temporary files removed.\n");
  }
}
