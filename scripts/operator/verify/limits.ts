// The bounds on everything verify reads from a server it does not control (issue: a hostile or
// broken authority or mail server must not make verify buffer gigabytes or outlive --timeout).
// A login conversation is a few kilobytes and a discovery document about 2 KB; these caps sit far
// above that and far below harm. The deadline of each exchange is --timeout (login-runner.ts races
// every login against it; token.ts bounds the discovery request the same way).
import type { Socket } from "node:net";

/** The longest line verify reads from a mail server (a real one sends lines under 1 KB; RFC 5321 allows 512 octets). */
export const MAX_LINE_BYTES = 64 * 1024;
/** The most a mail server may send in one login conversation, TLS records included. */
export const MAX_CONVERSATION_BYTES = 1024 * 1024;
/** The largest discovery document verify reads from the authority (Entra's is ~2 KB). */
export const MAX_DISCOVERY_BYTES = 1024 * 1024;

/** Thrown (as the socket's error) when a server sends more than a cap allows. */
export class TooMuchData extends Error {
  readonly code = "ETOOMUCHDATA";
}

/**
 * Destroys `socket` with a TooMuchData error once more than `max` bytes have arrived on it.
 * Counts every byte read, before any parser buffers it.
 */
export function capBytes(socket: Socket, max: number, what: string): Socket {
  let total = 0;
  socket.on("data", (chunk: Buffer) => {
    total += chunk.length;
    if (total > max)
      socket.destroy(new TooMuchData(`${what} sent more than ${max} bytes; the connection was closed`));
  });
  return socket;
}
