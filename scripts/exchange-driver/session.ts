/**
 * The PowerShell boundary of the Exchange step: ONE PowerShell process per run, speaking
 * JSON lines with `shim.ps1` (design.md, "Driver ⇄ shim").
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
 * environment of the pwsh process — SECRET_ENV below — never argv, never the JSON stream;
 * the shim deletes them from its environment once read. Any text this module surfaces
 * (errors, stderr tails) has the known secret values scrubbed.
 *
 * Failures: a cmdlet error becomes an ExchangeCmdletError whose `kind` is classified from
 * Exchange's `ExNNNNNN|Type|text` code and type (errors.ts). Kinds "transient" and
 * "spNotFoundYet" are retried with exponential backoff + jitter until the deadline; any
 * other kind is thrown at once. An error is never "absent": whether a notFound from a
 * Get-… means absence is the caller's decision. Process trouble (pwsh missing, died,
 * protocol broken) is an ExchangeSessionError.
 */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { resolve } from "node:path";
import { createInterface } from "node:readline";
import type { ExchangeConfig } from "../../components/config";
import { EXO_MODULE_MIN_VERSION } from "../../components/microsoft";
import { ExchangeCmdletError, ExchangeSessionError, duration, type ShimError } from "./errors";
import { backoffDelayMs, type RetryPolicy } from "./retry";
import { scrubSecrets } from "./scrub";

export { ExchangeCmdletError, ExchangeSessionError } from "./errors";
export type { ExchangeErrorKind, ShimError } from "./errors";

/** The cmdlets the shim runs (its allow-list; anything else is refused). */
export const ALLOWED_CMDLETS = [
  "Get-ServicePrincipal",
  "New-ServicePrincipal",
  "Remove-ServicePrincipal",
  "Get-MailboxPermission",
  "Add-MailboxPermission",
  "Remove-MailboxPermission",
  "Get-RecipientPermission",
  "Add-RecipientPermission",
  "Remove-RecipientPermission",
  "Get-Mailbox",
  "Get-EXOMailbox",
  "Get-CASMailbox",
] as const;
export type ExchangeCmdlet = (typeof ALLOWED_CMDLETS)[number];

/** Environment variables carrying secrets from this process to the shim (and the simulator). */
export const SECRET_ENV = {
  /** base64 PFX (certificate mode). */
  certificate: "EXO_OAUTH_CERTIFICATE",
  /** Its password, if any (certificate mode). */
  certificatePassword: "EXO_OAUTH_CERTIFICATE_PASSWORD",
  /** The access token, copied from the variable the user named (accessToken mode). */
  accessToken: "EXO_OAUTH_ACCESS_TOKEN",
} as const;

/** Overrides the retry base delay (ms), e.g. for fast tests: `EXO_OAUTH_RETRY_BASE_MS=5`. */
export const RETRY_BASE_ENV = "EXO_OAUTH_RETRY_BASE_MS";

/**
 * How the driver connects: `exo-oauth:exchange` config (components/config.ts) without the
 * `manual` mode, plus the tenant's organization (`contoso.onmicrosoft.com`).
 */
export type ExchangeConnectionSettings = Exclude<ExchangeConfig, { connection: "manual" }> & {
  organization: string;
};

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
  | { type: "spawned"; pwsh: string; pid: number | undefined }
  | { type: "connected"; organization: string; ms: number }
  | { type: "retry"; cmdlet: string; target?: string; attempt: number; delayMs: number; message: string }
  | { type: "ignoredOutput"; lines: number }
  | { type: "closed"; exitCode: number | null };

export interface ExchangeSessionOptions {
  settings: ExchangeConnectionSettings;
  /** Retry transient errors until this many ms after the first attempt. Default settings.retryDeadlineSeconds × 1000. */
  retryDeadlineMs?: number;
  /** First backoff delay. Default 2000 ms; env EXO_OAUTH_RETRY_BASE_MS wins. */
  retryBaseDelayMs?: number;
  /** Backoff cap. Default 30000 ms. */
  retryMaxDelayMs?: number;
  /** The shim script. Default: shim.ps1 next to this file. */
  shimPath?: string;
  /** Environment the pwsh process starts from (default process.env); secrets are added from settings. */
  env?: NodeJS.ProcessEnv;
  /** Progress for humans (the driver prints to stderr). Never carries a secret. */
  onEvent?: (event: SessionEvent) => void;
  /** Give up waiting for the process to exit after close() (then kill it). Default 15000 ms. */
  closeTimeoutMs?: number;
  /** Give up on one request that gets no answer (then kill the process). Default 600000 ms. */
  requestTimeoutMs?: number;
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
  const scrub = (text: string) => scrubSecrets(text, secrets);
  const policy: RetryPolicy = {
    deadlineMs: opts.retryDeadlineMs ?? s.retryDeadlineSeconds * 1000,
    baseDelayMs: retryBaseFromEnv(baseEnv[RETRY_BASE_ENV]) ?? opts.retryBaseDelayMs ?? 2000,
    maxDelayMs: opts.retryMaxDelayMs ?? 30_000,
  };
  const shimPath = resolve(opts.shimPath ?? resolve(__dirname, "shim.ps1"));
  const onEvent = opts.onEvent ?? (() => {});
  const counters: SessionCounters = { sessions: 1, cmdlets: {}, retries: 0 };

  const child = await spawnPwsh(s.pwsh, shimPath, env);
  onEvent({ type: "spawned", pwsh: s.pwsh, pid: child.pid });
  const channel = new ShimChannel(child, s.pwsh, scrub, onEvent, opts.requestTimeoutMs ?? 600_000);

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
  const call = async (cmdlet: string, params: Record<string, unknown>, target: string | undefined) => {
    const first = Date.now();
    for (let attempt = 1; ; attempt++) {
      counters.cmdlets[cmdlet] = (counters.cmdlets[cmdlet] ?? 0) + 1;
      const res = await channel.request(cmdlet === "Connect-ExchangeOnline" ? "connect" : cmdlet, params);
      const warnings = (res.warnings ?? []).map(scrub);
      if (res.ok) return { result: (res.result ?? []) as Record<string, unknown>[], warnings };
      const err = new ExchangeCmdletError(cmdlet, target, scrubError(res.error, scrub), warnings);
      const delayMs = backoffDelayMs(attempt, policy);
      const elapsed = Date.now() - first;
      if (!err.retryable) throw err;
      if (elapsed + delayMs > policy.deadlineMs)
        throw err.deadlineExceeded(attempt, elapsed, policy.deadlineMs);
      counters.retries++;
      onEvent({ type: "retry", cmdlet, target, attempt, delayMs, message: err.exchangeMessage });
      await new Promise((r) => setTimeout(r, delayMs));
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
      if (!(ALLOWED_CMDLETS as readonly string[]).includes(cmdlet))
        throw new ExchangeSessionError(
          `Running ${cmdlet}: not an allowed cmdlet; allowed: ${ALLOWED_CMDLETS.join(", ")}`,
        );
      const target = options.target ?? defaultTarget(params);
      return (await call(cmdlet, params, target)) as CmdletResult<T>;
    },
    counters: () => ({ ...counters, cmdlets: { ...counters.cmdlets } }),
    async close() {
      if (closed) return;
      closed = true;
      await channel.end(opts.closeTimeoutMs ?? 15_000, true);
    },
  };
}

/** What config validation already guarantees, checked again at the boundary: a clear error, nothing spawned. */
function checkSettings(s: ExchangeConnectionSettings): void {
  const bad = (what: string) => new ExchangeSessionError(`Connecting to Exchange Online: ${what}`);
  if (!s.pwsh) throw bad("exchange.pwsh is empty; set it to the PowerShell 7.4+ executable (default pwsh)");
  if (!s.organization)
    throw bad("organization is empty; set exo-oauth:organization to the tenant's <name>.onmicrosoft.com");
  if (!Number.isFinite(s.retryDeadlineSeconds) || s.retryDeadlineSeconds < 0)
    throw bad(
      `exchange.retryDeadlineSeconds is ${s.retryDeadlineSeconds}; it must be a number of seconds ≥ 0`,
    );
  if (s.connection === "certificate" && !s.automationAppId)
    throw bad("exchange.appId is empty; certificate connections need the automation app's client id");
}

/** EXO_OAUTH_RETRY_BASE_MS: unset/empty → undefined; not a non-negative number → a clear error. */
export function retryBaseFromEnv(raw: string | undefined): number | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0)
    throw new ExchangeSessionError(`${RETRY_BASE_ENV}='${raw}' is not a non-negative number of milliseconds`);
  return ms;
}

function defaultTarget(params: CmdletParams): string | undefined {
  for (const key of ["Identity", "AppId", "ObjectId"]) {
    const v = params[key];
    if (typeof v === "string" && v) return v;
  }
  return undefined;
}

function scrubError(error: ShimError | undefined, scrub: (t: string) => string): ShimError {
  const e = error ?? {
    message: "the shim answered ok=false without an error",
    category: "",
    fullyQualifiedErrorId: "",
    exceptionType: "",
  };
  return {
    message: scrub(String(e.message ?? "")),
    category: scrub(String(e.category ?? "")),
    fullyQualifiedErrorId: scrub(String(e.fullyQualifiedErrorId ?? "")),
    exceptionType: scrub(String(e.exceptionType ?? "")),
  };
}

/** The pwsh environment: the base, minus stale secret variables, plus this run's secrets. */
export function childEnvironment(
  s: ExchangeConnectionSettings,
  baseEnv: NodeJS.ProcessEnv,
): { env: NodeJS.ProcessEnv; secrets: string[] } {
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  for (const name of Object.values(SECRET_ENV)) delete env[name];
  const secrets: string[] = [];
  if (s.connection === "certificate") {
    if (!s.certificate)
      throw new ExchangeSessionError(
        "Connecting to Exchange Online: exchange.certificate is empty; set it with `pulumi config set --secret exo-oauth:exchange.certificate <base64 PFX>`",
      );
    env[SECRET_ENV.certificate] = s.certificate;
    secrets.push(s.certificate);
    if (s.certificatePassword) {
      env[SECRET_ENV.certificatePassword] = s.certificatePassword;
      secrets.push(s.certificatePassword);
    }
  } else if (s.connection === "accessToken") {
    const token = baseEnv[s.accessTokenEnv];
    if (!token)
      throw new ExchangeSessionError(
        `Connecting to Exchange Online: exchange.accessTokenEnv names '${s.accessTokenEnv}', but that environment variable is not set`,
      );
    delete env[s.accessTokenEnv];
    env[SECRET_ENV.accessToken] = token;
    secrets.push(token);
  }
  return { env, secrets };
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
              `PowerShell 7.4+ (pwsh) not found at '${pwsh}': install it or set exo-oauth:exchange.pwsh`,
            )
          : err.code === "EACCES"
            ? new ExchangeSessionError(
                `PowerShell at '${pwsh}' is not executable (EACCES): fix its permissions or set exo-oauth:exchange.pwsh`,
              )
            : new ExchangeSessionError(`Starting PowerShell '${pwsh}': ${err.message}`),
      ),
    );
  });
  return child;
}

/** JSON lines over the child's stdin/stdout; one request in flight at a time. */
class ShimChannel {
  private nextId = 1;
  private pending:
    { id: number; ok: (r: ShimResponse) => void; fail: (e: Error) => void; cmdlet: string } | undefined;
  private stderrTail = "";
  private exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcessWithoutNullStreams,
    private readonly pwsh: string,
    private readonly scrub: (text: string) => string,
    private readonly onEvent: (event: SessionEvent) => void,
    private readonly requestTimeoutMs: number,
  ) {
    child.stdin.on("error", () => {}); // EPIPE after death: reported through "exit"
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      this.stderrTail = (this.stderrTail + chunk).slice(-4000);
    });
    createInterface({ input: child.stdout }).on("line", (line) => this.onLine(line));
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
  private onLine(line: string) {
    let msg: ShimResponse | undefined;
    try {
      msg = JSON.parse(line) as ShimResponse;
    } catch {
      msg = undefined;
    }
    const p = this.pending;
    if (
      !msg ||
      typeof msg !== "object" ||
      typeof msg.ok !== "boolean" ||
      !p ||
      (msg.id !== p.id && msg.id !== null)
    ) {
      // Not ours (a module writing to the console): never echoed, it could carry anything.
      this.onEvent({ type: "ignoredOutput", lines: ++this.ignored });
      return;
    }
    this.pending = undefined;
    p.ok(msg);
  }

  private deathError(cmdlet: string): ExchangeSessionError {
    const how = this.exit?.signal ? `signal ${this.exit.signal}` : `exit code ${this.exit?.code}`;
    const tail = this.scrub(this.stderrTail.trim()).split("\n").slice(-5).join("\n");
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
    if (this.exit) return Promise.reject(this.deathError(cmdlet));
    const id = this.nextId++;
    return new Promise<ShimResponse>((ok, fail) => {
      const timer = setTimeout(() => {
        if (this.pending?.id !== id) return;
        this.pending = undefined;
        this.child.kill("SIGKILL");
        fail(
          new ExchangeSessionError(
            `Running ${cmdlet}: no answer from PowerShell within ${duration(this.requestTimeoutMs)}; the process was stopped`,
          ),
        );
      }, this.requestTimeoutMs);
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
