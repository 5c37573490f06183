// Starting and stopping the offline tenant's local HTTP(S) servers the same way everywhere: on
// 127.0.0.1 only, and closed with every connection they hold, keep-alive ones included, so a
// test's teardown never waits for a client's idle socket.
import type { Server } from "node:net";

/** Listens on 127.0.0.1 (`port` 0: any free port); resolves with the port. */
export async function listenLocal(server: Server, port = 0): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  return typeof address === "object" && address ? address.port : 0;
}

/** Closes the server and drops every open connection. */
export function closeServer(server: Server & { closeAllConnections?: () => void }): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections?.();
    server.close(() => resolve());
  });
}
