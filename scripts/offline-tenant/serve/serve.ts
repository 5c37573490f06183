// `npm run offline-tenant -- serve`: deploys the demo stack (Pulumi.demo.yaml) into a fresh offline
// tenant with the multi-run engine, then keeps its token endpoint and mail peers running on
// loopback for a mail client to rehearse against, until SIGINT or SIGTERM; then stops everything
// it started (Dovecot, servers) and removes its temporary directories.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EXIT, SIGNAL_EXIT, type StopSignal } from "../../cli/exit-codes";
import { up } from "../demo/pulumi";
import { loadDemoStack } from "../demo/stack";
import { createWorld, type World } from "../demo/world";
import { connectionOf, type Connection } from "./connection";

export interface ServeIO {
  /** Called once, when everything is up: the CLI prints the connection (text, or its one JSON line). */
  ready: (connection: Connection) => void;
  /** Progress (stderr). */
  err: (text: string) => void;
  /** Resolves when the server must stop (the CLI: on SIGINT or SIGTERM). */
  stopped: Promise<StopSignal>;
}

/**
 * Runs until `io.stopped` settles; cleans up on every path. Returns the exit code: 0 stopped after
 * serving, 130/143 (SIGNAL_EXIT) stopped while still deploying (nothing was served). Throws when it
 * cannot start (the deployment failed: its error and the Exchange step's lines), after cleaning up.
 */
export async function serve(io: ServeIO): Promise<number> {
  let world: World | undefined;
  let stopping: StopSignal | undefined;
  void io.stopped.then((signal) => (stopping = signal));
  try {
    const stack = loadDemoStack();
    io.err(
      `Starting a simulated tenant ${stack.config.tenantId} and deploying ${stack.file.split("/").pop()}…\n`,
    );
    world = await createWorld({ stack });
    const { item } = await up(world, stack.values);
    if (!item.ok)
      throw new Error(
        [`pulumi up failed: ${item.error}`, ...item.exchange.flatMap((r) => r.lines)].join("\n"),
      );
    if (stopping) {
      io.err(`${stopping}: stopped while deploying; nothing was served.\n`);
      return SIGNAL_EXIT[stopping];
    }
    const secretFile = join(world.dir, "client-secret");
    writeFileSync(secretFile, String(world.outputs.clientSecret), { mode: 0o600 });
    io.ready(connectionOf(world.outputs, world.services, secretFile, stack.config.organization));
    const signal = await io.stopped;
    io.err(`${signal}: stopping the offline tenant…\n`);
    return EXIT.ok;
  } finally {
    await world?.close();
    if (world) io.err("Stopped: servers and Dovecot stopped, temporary files removed.\n");
  }
}
