/**
 * The PowerShell boundary of the Exchange step: ONE PowerShell process per run, speaking
 * JSON lines with `shim.ps1` (docs/exchange-step.md, "Driver and shim").
 *
 *   const session = await openExchangeSession({ settings });   // spawns pwsh, Connect-ExchangeOnline once
 *   const { result, warnings } = await session.invoke("Get-MailboxPermission", { Identity: "a@contoso.com" });
 *   await session.close();                                     // Disconnect-ExchangeOnline, process ends
 *
 * Process: `<pwsh> -NoLogo -NoProfile -NonInteractive -File <abs>/shim.ps1`.
 * Requests (stdin), one per line:  { "id": n, "cmdlet": "Get-Mailbox", "params": { "Identity": "…" } }
 * Responses (stdout), one per line: { "id": n, "ok": true, "result": [ {…} ], "warnings": [ "…" ] }
 *                                   { "id": n, "ok": false, "error": { message, category,
 *                                     fullyQualifiedErrorId, exceptionType }, "warnings": [ … ] }
 * Special requests: `connect` (params: ShimConnectParams, first and once) and `disconnect`.
 * Parameter values: string | number | boolean | null | string[]; a boolean on a switch
 * parameter is `-Switch:$value` (so `{ Confirm: false }` is `-Confirm:$false`).
 *
 * Secrets (certificate, its password, the access token) reach the shim ONLY through the
 * environment of the pwsh process — SHIM_SECRET_ENV (components/exchange-step/shim.ts) — never
 * argv, never the JSON stream; the shim deletes them from its environment once read. Any text
 * this module surfaces (errors, warnings, stderr tails) goes through components/redact.ts first.
 *
 * Failures: a cmdlet error becomes an ExchangeCmdletError whose `kind` is classified from
 * Exchange's `ExNNNNNN|Type|text` code and type (errors.ts). Kinds "transient" and
 * "spNotFoundYet" are retried with exponential backoff + jitter within the run's one budget
 * (budget.ts: exo-oauth:exchange.retryDeadlineSeconds, counted from the start of the run); any
 * other kind is thrown at once. An error is never "absent": whether a notFound from a
 * Get-… means absence is the caller's decision. Process trouble (pwsh missing, died,
 * protocol broken) is an ExchangeSessionError.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import { ENVIRONMENT, settingKnob } from "../../components/exchange-step/environment";
import type { ExchangeConnectionSettings } from "../../components/exchange-step/settings";
import {
  ALLOWED_CMDLETS,
  SHIM_SECRET_ENV,
  isAllowedCmdlet,
  type ExchangeCmdlet,
} from "../../components/exchange-step/shim";
import { connectionProblems, itemSuffix, renderProblem } from "../../components/exchange-step/validate";
import { EXO_MODULE_MIN_VERSION } from "../../components/microsoft";
import { createRedactor, type Redactor } from "../../components/redact";
import { RETRY_BASE_ENV, retryBaseFromEnv, startRunBudget, type RunBudget } from "./budget";
import { ExchangeCmdletError, ExchangeSessionError, duration, type ShimError } from "./errors";
import { childEnvironment } from "./pwsh-env";
import { resolvePwsh } from "./pwsh-path";
import { MAX_LINE_LENGTH, readLines } from "./line-reader";
import { backoffDelayMs } from "./retry";
import type { RetryNotice } from "./wait-lines";

export { ExchangeCmdletError, ExchangeSessionError } from "./errors";
export { childEnvironment } from "./pwsh-env";
export type { ExchangeErrorKind, ShimError } from "./errors";
// Where they are defined: the Exchange step's contract (components/exchange-step/).
export { ALLOWED_CMDLETS, type ExchangeCmdlet, type ExchangeConnectionSettings };
/** The variables carrying secrets into pwsh (components/exchange-step/shim.ts SHIM_SECRET_ENV). */
export const SECRET_ENV = SHIM_SECRET_ENV;

export type ParamValue = string | number | boolean | null | string[];
export type CmdletParams = Record<string, ParamValue>;

/** One cmdlet's answer: the objects it returned (flattened to JSON) and its warnings. */
export interface CmdletResult<T = Record<string, unknown>> {
  result: T[];
  warnings: string[];
}

export interface InvokeOptions {
  /** What the cmdlet acts on, for messages ("Granting FullAccess on <target> …"). Default: params.Identity ?? params.AppId. */
  target?: string;
  /**
   * The most this call's retries may wait, ms, counted from its first attempt (still within the
   * run's budget). Default: the run's budget alone. reconcile bounds AADServicePrincipalNotFound with it.
   */
  patienceMs?: number;
}

/** Counted per session (one session = one process = one Connect-ExchangeOnline). */
export interface SessionCounters {
  /** Sessions opened (1 for a session object; sum them across runs). */
  sessions: number;
  /** Requests sent, by cmdlet name, retries included (`Connect-ExchangeOnline` included). */
  cmdlets: Record<string, number>;
  /** Requests re-sent after a transient error. */
  retries: number;
}

export type SessionEvent =
  | {
      type: "spawned";
      /** The absolute path run (./pwsh-path.ts). */
      pwsh: string;
      pid: number | undefined;
      /** Executables of that name in untrusted PATH entries, NOT run. */
      shadowed: string[];
    }
  | { type: "connected"; organization: string; ms: number }
  | ({ type: "retry" } & RetryNotice)
  | { type: "ignoredOutput"; lines: number }
  | { type: "closed"; exitCode: number | null };

export interface ExchangeSessionOptions {
  settings: ExchangeConnectionSettings;
  /**
   * The run's one time budget, shared with the read-after-write checks. Default: one started now
   * from settings.retryDeadlineSeconds, the base delay from env EXO_OAUTH_RETRY_BASE_MS.
   */
  budget?: RunBudget;
  /** The shim script. Default: shim.ps1 next to this file. */
  shimPath?: string;
  /**
   * The driver's environment (default process.env): pwsh gets only its allow-listed part
   * (./pwsh-env.ts) plus the secrets from settings; PATH (trusted entries only) finds pwsh.
   */
  env?: NodeJS.ProcessEnv;
  /** Progress for humans (the driver prints to stderr). Never carries a secret. */
  onEvent?: (event: SessionEvent) => void;
  /** Give up waiting for the process to exit after close() (then kill it). Default 15000 ms. */
  closeTimeoutMs?: number;
  /** Give up on one request that gets no answer (then kill the process). Default 600000 ms. */
  requestTimeoutMs?: number;
  /**
   * The whole run's deadline on the real clock, from the spawn: no request waits past it (then the
   * process is killed). Default settings.retryDeadlineSeconds plus requestTimeoutMs (the retry
   * budget for waits, plus one request's worth for Exchange's answers).
   */
  runDeadlineMs?: number;
  /** The longest line accepted from PowerShell (./line-reader.ts). Default MAX_LINE_LENGTH (4 MiB). */
  maxLineLength?: number;
}

export interface ExchangeSession {
  /** Run one allow-listed cmdlet; retries transient errors; throws ExchangeCmdletError / ExchangeSessionError. */
  invoke<T = Record<string, unknown>>(
    cmdlet: ExchangeCmdlet,
    params?: CmdletParams,
    options?: InvokeOptions,
  ): Promise<CmdletResult<T>>;
  /** A snapshot of the counters. */
  counters(): SessionCounters;
  /** Disconnect-ExchangeOnline and end the process. Safe to call twice; never throws for a dead process. */
  close(): Promise<void>;
}

/** What the session sends in the `connect` request (no secret: those travel in SECRET_ENV). */
export interface ShimConnectParams {
  connection: "certificate" | "managedIdentity" | "accessToken";
  organization: string;
  /** ExchangeOnlineManagement minimum version (EXO_MODULE_MIN_VERSION). */
  moduleMinVersion: string;
  /** The AUTOMATION application's client id (automationAppId; Connect-ExchangeOnline -AppId): the shim's name for it. */
  appId?: string;
  managedIdentityAccountId?: string;
}

interface ShimResponse {
  id: number | null;
  ok: boolean;
  result?: unknown[];
  error?: ShimError;
  warnings?: string[];
}

/** Spawn pwsh with the shim, connect once, and return the session. */
export async function openExchangeSession(opts: ExchangeSessionOptions): Promise<ExchangeSession> {
  const s = opts.settings;
  checkSettings(s);
  const baseEnv = opts.env ?? process.env;
  const { env, secrets } = childEnvironment(s, baseEnv);
  // An absolute path, never a node_modules/.bin outside this project (./pwsh-path.ts).
  const pwsh = resolvePwsh(s.pwsh, baseEnv);
  const redact = createRedactor(secrets);
  const budget =
    opts.budget ??
    startRunBudget({
      deadlineSeconds: s.retryDeadlineSeconds,
      baseDelayMs: retryBaseFromEnv(baseEnv[RETRY_BASE_ENV]),
    });
  const shimPath = resolve(opts.shimPath ?? resolve(__dirname, "shim.ps1"));
  const onEvent = opts.onEvent ?? (() => {});
  const counters: SessionCounters = { sessions: 1, cmdlets: {}, retries: 0 };

  const child = await spawnPwsh(pwsh.path, shimPath, env);
  onEvent({ type: "spawned", pwsh: pwsh.path, pid: child.pid, shadowed: pwsh.shadowed });
  const requestTimeoutMs = opts.requestTimeoutMs ?? 600_000;
  const channel = new ShimChannel(child, pwsh.path, redact, onEvent, {
    requestTimeoutMs,
    deadlineAt: Date.now() + (opts.runDeadlineMs ?? s.retryDeadlineSeconds * 1000 + requestTimeoutMs),
    maxLineLength: opts.maxLineLength ?? MAX_LINE_LENGTH,
  });

  const connect: ShimConnectParams = {
    connection: s.connection,
    organization: s.organization,
    moduleMinVersion: EXO_MODULE_MIN_VERSION,
    ...(s.connection === "certificate" ? { appId: s.automationAppId } : {}),
    ...(s.connection === "managedIdentity" && s.managedIdentityAccountId
      ? { managedIdentityAccountId: s.managedIdentityAccountId }
      : {}),
  };
  const started = Date.now();
  const call = async (
    cmdlet: string,
    params: Record<string, unknown>,
    target: string | undefined,
    patienceMs?: number,
  ) => {
    const first = budget.clock.now();
    for (let attempt = 1; ; attempt++) {
      counters.cmdlets[cmdlet] = (counters.cmdlets[cmdlet] ?? 0) + 1;
      const res = await channel.request(cmdlet === "Connect-ExchangeOnline" ? "connect" : cmdlet, params);
      const warnings = (res.warnings ?? []).map((w) => redact(w));
      if (res.ok) return { result: (res.result ?? []) as Record<string, unknown>[], warnings };
      const err = new ExchangeCmdletError(cmdlet, target, redactError(res.error, redact), warnings);
      if (!err.retryable) throw err;
      const delayMs = backoffDelayMs(attempt, budget.policy);
      if (!budget.affords(delayMs))
        throw err.deadlineExceeded(attempt, budget.clock.now() - first, budget.totalMs);
      if (patienceMs !== undefined && budget.clock.now() - first + delayMs > patienceMs)
        throw err.deadlineExceeded(attempt, budget.clock.now() - first, patienceMs);
      counters.retries++;
      onEvent({
        type: "retry",
        cmdlet,
        target,
        attempt,
        delayMs,
        message: err.exchangeMessage,
        kind: err.kind,
        budgetLeftMs: budget.totalMs - budget.elapsedMs(),
      });
      await budget.clock.sleep(delayMs);
    }
  };

  try {
    await call("Connect-ExchangeOnline", { ...connect }, s.organization);
  } catch (err) {
    await channel.end(opts.closeTimeoutMs ?? 15_000, false);
    throw err;
  }
  onEvent({ type: "connected", organization: s.organization, ms: Date.now() - started });

  let closed = false;
  return {
    async invoke<T = Record<string, unknown>>(
      cmdlet: ExchangeCmdlet,
      params: CmdletParams = {},
      options: InvokeOptions = {},
    ): Promise<CmdletResult<T>> {
      if (closed) throw new ExchangeSessionError(`Running ${cmdlet}: the Exchange session is closed`);
      if (!isAllowedCmdlet(cmdlet))
        throw new ExchangeSessionError(
          `Running ${cmdlet}: not an allowed cmdlet; allowed: ${ALLOWED_CMDLETS.join(", ")}`,
        );
      const target = options.target ?? defaultTarget(params);
      return (await call(cmdlet, params, target, options.patienceMs)) as CmdletResult<T>;
    },
    counters: () => ({ ...counters, cmdlets: { ...counters.cmdlets } }),
    async close() {
      if (closed) return;
      closed = true;
      await channel.end(opts.closeTimeoutMs ?? 15_000, true);
    },
  };
}

/**
 * The rules the stack config and the driver's decoder apply (components/exchange-step/validate.ts),
 * checked again at the boundary: a clear error naming the config key, nothing spawned.
 */
function checkSettings(s: ExchangeConnectionSettings): void {
  const problems = connectionProblems(s, "present");
  if (problems.length === 0) return;
  const configKey = (p: Parameters<typeof itemSuffix>[0]) =>
    `${ENVIRONMENT[p.field as keyof typeof ENVIRONMENT]?.source ?? p.field}${itemSuffix(p)}`;
  throw new ExchangeSessionError(
    `Connecting to Exchange Online: ${problems.map((p) => renderProblem(p, configKey)).join("; ")}`,
  );
}

function defaultTarget(params: CmdletParams): string | undefined {
  for (const key of ["Identity", "AppId", "ObjectId"]) {
    const v = params[key];
    if (typeof v === "string" && v) return v;
  }
  return undefined;
}

function redactError(error: ShimError | undefined, redact: (t: string) => string): ShimError {
  const e = error ?? {
    message: "the shim answered ok=false without an error",
    category: "",
    fullyQualifiedErrorId: "",
    exceptionType: "",
  };
  return {
    message: redact(String(e.message ?? "")),
    category: redact(String(e.category ?? "")),
    fullyQualifiedErrorId: redact(String(e.fullyQualifiedErrorId ?? "")),
    exceptionType: redact(String(e.exceptionType ?? "")),
  };
}

async function spawnPwsh(pwsh: string, shimPath: string, env: NodeJS.ProcessEnv) {
  const child = spawn(pwsh, ["-NoLogo", "-NoProfile", "-NonInteractive", "-File", shimPath], {
    env,
    stdio: ["pipe", "pipe", "pipe"],
  });
  await new Promise<void>((ok, fail) => {
    child.once("spawn", () => ok());
    child.once("error", (err: NodeJS.ErrnoException) =>
      fail(
        err.code === "ENOENT"
          ? new ExchangeSessionError(
              `PowerShell 7.4+ (pwsh) not found at '${pwsh}': install it or set ${settingKnob("pwsh")}`,
            )
          : err.code === "EACCES"
            ? new ExchangeSessionError(
                `PowerShell at '${pwsh}' is not executable (EACCES): fix its permissions or set ${settingKnob("pwsh")}`,
              )
            : new ExchangeSessionError(`Starting PowerShell '${pwsh}': ${err.message}`),
      ),
    );
  });
  return child;
}

/** pwsh stderr kept raw, and the most of it an error quotes (after redaction). */
const STDERR_KEPT = 64 * 1024;
const STDERR_SHOWN = 4000;

/** JSON lines over the child's stdin/stdout; one request in flight at a time. */
class ShimChannel {
  private nextId = 1;
  private pending:
    { id: number; ok: (r: ShimResponse) => void; fail: (e: Error) => void; cmdlet: string } | undefined;
  /** The raw end of pwsh's stderr, long enough that a cut at its start never reaches the shown tail. */
  private stderrRaw = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly pwsh: string,
    private readonly redact: Redactor,
    private readonly onEvent: (event: SessionEvent) => void,
    private readonly limits: { requestTimeoutMs: number; deadlineAt: number; maxLineLength: number },
  ) {
    child.stdin.on("error", () => {}); // EPIPE after death: reported through "exit"
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderrRaw = (this.stderrRaw + chunk).slice(-STDERR_KEPT);
    });
    readLines(
      child.stdout,
      (line) => this.onLine(line),
      (length) =>
        this.protocolError(
          `PowerShell wrote a line of more than ${limits.maxLineLength} characters (${length} so far) on its protocol stream`,
        ),
      limits.maxLineLength,
    );
    // A grandchild holding our pipes open must not keep a dead session waiting.
    child.once("exit", () => {
      setTimeout(() => {
        child.stdout.destroy();
        child.stderr.destroy();
      }, 1000).unref();
    });
    this.exited = new Promise((done) =>
      child.once("close", (code, signal) => {
        this.exit = { code, signal };
        const p = this.pending;
        this.pending = undefined;
        p?.fail(this.deathError(p.cmdlet));
        done();
      }),
    );
  }

  private ignored = 0;
  /** Set once the shim broke the protocol: every request after fails with it. */
  private broken: string | undefined;
  private onLine(line: string) {
    let msg: ShimResponse | undefined;
    try {
      msg = JSON.parse(line) as ShimResponse;
    } catch {
      msg = undefined;
    }
    if (!msg || typeof msg !== "object" || typeof msg.ok !== "boolean") {
      // Not a response (a module writing to the console): never echoed, it could carry anything.
      this.onEvent({ type: "ignoredOutput", lines: ++this.ignored });
      return;
    }
    // Strict correlation: a response answers the ONE request in flight, by its id. Any other id
    // (null: the shim could not read a request; unknown; none in flight) is a protocol error.
    const p = this.pending;
    if (!p || msg.id !== p.id) {
      const why =
        msg.id === null
          ? `a response with id null${msg.error?.message ? ` (${this.redact.head(String(msg.error.message), 300)})` : ""}`
          : `a response with id ${this.redact.head(JSON.stringify(msg.id) ?? "none", 40)}${p ? `, while request ${p.id} was waiting` : ", with no request waiting"}`;
      this.protocolError(`PowerShell sent ${why}`);
      return;
    }
    this.pending = undefined;
    p.ok(msg);
  }

  /** Ends the session on a broken protocol: the waiting request fails with `what`, the process is killed. */
  private protocolError(what: string) {
    if (this.broken) return;
    this.broken = `${what}: the JSON-lines protocol with the shim is broken, so the process was stopped`;
    const p = this.pending;
    this.pending = undefined;
    p?.fail(new ExchangeSessionError(`Running ${p.cmdlet}: ${this.broken}`));
    this.child.kill("SIGKILL");
  }

  private deathError(cmdlet: string): ExchangeSessionError {
    const how = this.exit?.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit?.code}`;
    // Redacted BEFORE it is cut: a secret is never split at the cut and left half-shown.
    const tail = this.redact.tail(this.stderrRaw, STDERR_SHOWN).trim().split("\n").slice(-5).join("\n");
    return new ExchangeSessionError(
      `Running ${cmdlet}: the PowerShell process '${this.pwsh}' ended (${how}) without answering` +
        (tail ? `; its last error output:\n${tail}` : ""),
    );
  }

  /** Send one request and wait for its answer; concurrent callers are queued (the shim is sequential). */
  request(cmdlet: string, params: Record<string, unknown>): Promise<ShimResponse> {
    const turn = this.queue.then(() => this.send(cmdlet, params));
    this.queue = turn.catch(() => undefined);
    return turn;
  }
  private queue: Promise<unknown> = Promise.resolve();

  private send(cmdlet: string, params: Record<string, unknown>): Promise<ShimResponse> {
    if (this.broken) return Promise.reject(new ExchangeSessionError(`Running ${cmdlet}: ${this.broken}`));
    if (this.exit) return Promise.reject(this.deathError(cmdlet));
    const id = this.nextId++;
    const { requestTimeoutMs, deadlineAt } = this.limits;
    const left = Math.max(0, deadlineAt - Date.now());
    const waitMs = Math.min(requestTimeoutMs, left);
    const why =
      waitMs < requestTimeoutMs
        ? `before the run's deadline (${duration(left)} left of it: exo-oauth:exchange.retryDeadlineSeconds plus ${duration(requestTimeoutMs)} for answers)`
        : `within ${duration(requestTimeoutMs)}`;
    return new Promise<ShimResponse>((ok, fail) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        this.child.kill("SIGKILL");
        fail(
          new ExchangeSessionError(
            `Running ${cmdlet}: no answer from PowerShell ${why}; the process was stopped`,
          ),
        );
      }, waitMs);
      timer.unref();
      this.pending = {
        id,
        cmdlet,
        ok: (r) => (clearTimeout(timer), ok(r)),
        fail: (e) => (clearTimeout(timer), fail(e)),
      };
      this.child.stdin.write(JSON.stringify({ id, cmdlet, params }) + "\n");
    });
  }

  /** Ask the shim to disconnect (if `disconnect`), close stdin, wait for exit, kill after the timeout. */
  async end(timeoutMs: number, disconnect: boolean): Promise<void> {
    if (!this.exit && disconnect) {
      await Promise.race([
        this.request("disconnect", {}).catch(() => undefined),
        new Promise((r) => setTimeout(r, timeoutMs).unref()),
      ]);
    }
    if (!this.exit) this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
    timer.unref();
    await this.exited;
    clearTimeout(timer);
    this.onEvent({ type: "closed", exitCode: this.exit?.code ?? null });
  }
}
