// What every mail login (IMAP, POP3, SMTP) does alike around its protocol session: time it,
// race it against the login's deadline, map the outcome to a LoginResult, redact the token
// from any failure text, and close the connection whatever happened.
import type { Protocol } from "../../../components/microsoft";
import type { LoginOptions, LoginResult, LoginStage } from "./login";
import { redact } from "../../../components/redact";

export interface LoginSession {
  /** The protocol conversation; resolves with the success detail (e.g. `INBOX 3 messages`). */
  run: () => Promise<string>;
  /** Where a rejected `run` stopped and the server's (or the local) error text, before redaction. */
  failure: (error: unknown) => { stage: LoginStage; response: string };
  /** Releases the connection; called once, after the result (success, failure or timeout). */
  close: () => void;
}

/** Runs `session` within `opts.timeoutMs`. Never throws; the result never contains `opts.accessToken`. */
export async function runLogin(
  protocol: Protocol,
  opts: Pick<LoginOptions, "timeoutMs" | "accessToken">,
  session: LoginSession,
): Promise<LoginResult> {
  const started = performance.now();
  const ms = () => Math.round(performance.now() - started);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<LoginResult>((resolve) => {
    timer = setTimeout(
      () =>
        resolve({
          ok: false,
          protocol,
          ms: ms(),
          stage: "timeout",
          serverResponse: `no answer within ${opts.timeoutMs} ms`,
        }),
      opts.timeoutMs,
    );
  });
  const outcome = Promise.resolve()
    .then(session.run)
    .then(
      (detail): LoginResult => ({ ok: true, protocol, ms: ms(), detail }),
      (error: unknown): LoginResult => {
        const { stage, response } = session.failure(error);
        return { ok: false, protocol, ms: ms(), stage, serverResponse: redact(response, [opts.accessToken]) };
      },
    );
  try {
    return await Promise.race([outcome, timeout]);
  } finally {
    clearTimeout(timer);
    session.close();
    // A mapper that throws after the deadline must not become an unhandled rejection.
    outcome.catch(() => undefined);
  }
}
