// The verify tool's core, with its dependencies injected (token acquisition, the three logins,
// stack outputs, clock, output streams), so the same matrix runs against Exchange Online, the
// offline peers, or fakes. cli.ts wires the real ones.
//
// One round = a fresh token, its diagnosis, then every still-failing login. With --wait the
// rounds repeat with backoff until everything passes or the deadline ends: after `pulumi up`,
// consent reaches tokens in minutes and Exchange applies grants in 15–30 min (sometimes longer;
// docs/microsoft-contract.md, "Propagation delays"), so a fixed sleep is never right.
import type { Protocol } from "../../../components/microsoft";
import { printable } from "../../../components/printable";
import { EXIT } from "../../cli/exit-codes";
import { schemaName } from "../../cli/json";
import { runTool, type Invocation } from "../../cli/run";
import { symbols, type Terminal } from "../../cli/terminal";
import { diagnoseClaims, diagnoseLogin, diagnoseTokenFailure, protocolName, type Cause } from "./diagnosis";
import { resolvePlan, type ReadStackOutputs, type VerifyPlan } from "./inputs";
import type { Login, LoginStage } from "./login";
import type { ConvertPfx } from "./certificate";
import { parseOptions, VERIFY_SPEC } from "./options";
import { renderTable } from "./table";
import { roundLine, sameClaims } from "./wait-lines";
import type { AcquireToken, TokenClaims } from "./token";

export interface VerifyDeps {
  env: Record<string, string | undefined>;
  acquireToken: AcquireToken;
  logins: Record<Protocol, Login>;
  readStackOutputs: ReadStackOutputs;
  readFile: (path: string) => string;
  /** A file's permission bits (fs.statSync(path).mode), to warn on a private key others can read. */
  fileMode?: (path: string) => number;
  /** A file's bytes (a PFX is binary); absent = readFile's text. */
  readFileBytes?: (path: string) => Buffer;
  /** Reads a PFX (default: the system's openssl, certificate.ts). */
  convertPfx?: ConvertPfx;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** What each stream shows (default: a pipe: no colour, ASCII). */
  terminals?: { stdout: Terminal; stderr: Terminal };
  /** ms since the epoch. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  /** Retry delays under --wait: initialMs, doubling, capped at maxMs. Default 5 s .. 60 s. */
  backoff?: { initialMs: number; maxMs: number };
}

export interface LoginReport {
  /** The mailbox logged in to; for a send-as check, the mailbox sent as. */
  mailbox: string;
  protocol: Protocol;
  /** "send-as": log in as `loginMailbox` and submit as `mailbox` (absent: a login). */
  check?: "send-as";
  /** The mailbox a send-as check logs in with. */
  loginMailbox?: string;
  ok: boolean;
  /** False when the token's diagnosis already showed this login cannot pass. */
  attempted: boolean;
  attempts: number;
  /** Duration of the last attempt. */
  ms?: number;
  stage?: LoginStage;
  serverResponse?: string;
  detail?: string;
  cause?: Cause;
}

export interface TokenReport {
  ok: boolean;
  ms: number;
  claims?: {
    tid: string;
    appid: string;
    oid: string;
    roles: string[];
    aud: string;
    appidacr?: string;
    expiresAt: string;
  };
  cause?: Cause;
}

export interface VerifyReport {
  ok: boolean;
  /** The stack whose outputs were read (--stack; "(selected)" for the selected one); absent when every input came from options. */
  stack?: string;
  /** When the run started, ISO 8601 UTC. */
  startedAt?: string;
  tenant: string;
  clientId: string;
  credential: "secret" | "certificate";
  authorityHost: string;
  scope: string;
  token: TokenReport;
  /** Token problems that block every login (audience, tenant, expiry). */
  findings: Cause[];
  logins: LoginReport[];
  /** What verify could not check, and why (e.g. a SendAs with no other SMTP mailbox to log in with). */
  notices: string[];
  /** What the run did that an admin should know (a token sent without TLS, a private key others can read). */
  warnings: string[];
  rounds: number;
  elapsedMs: number;
  summary: { expected: number; passed: number; failed: number };
}

export interface VerifyOutcome {
  /** scripts/cli/exit-codes.ts: 0, 1, 64 or 78. */
  exitCode: number;
  report?: VerifyReport;
}

async function pool<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function formatMs(ms: number): string {
  return ms < 1000
    ? `${ms} ms`
    : ms < 120_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.round(ms / 60_000)} min`;
}

/** The --json document's schema (docs/operations.md, "JSON output"). */
export const VERIFY_SCHEMA = schemaName("verify-report", 2);

/**
 * Parses argv, resolves inputs, verifies, prints; the exit code from the one table
 * (scripts/cli/exit-codes.ts): 0 every login passed, 1 a login or the token failed, 64 a bad
 * command line, 78 a missing input. Never throws: errors are printed (or are the JSON document).
 */
export async function runVerify(argv: string[], deps: VerifyDeps): Promise<VerifyOutcome> {
  let report: VerifyReport | undefined;
  const exitCode = await runTool(
    { spec: VERIFY_SPEC, schema: () => VERIFY_SCHEMA },
    argv,
    {
      env: deps.env,
      stdout: deps.stdout,
      stderr: deps.stderr,
      terminals: deps.terminals,
      ...(deps.now ? { now: () => new Date(deps.now!()) } : {}),
    },
    async (inv) => {
      report = await verify(inv, argv, deps);
      const code = report.ok ? EXIT.ok : EXIT.error;
      // The JSON envelope carries startedAt itself (scripts/cli/json.ts).
      const { startedAt: _startedAt, ...body } = report;
      if (inv.json) return { exitCode: code, body };
      deps.stdout(inv.redact(renderTable(report, inv.terminals.stdout)));
      return { exitCode: code };
    },
  );
  return { exitCode, ...(report ? { report } : {}) };
}

async function verify(inv: Invocation, argv: string[], deps: VerifyDeps): Promise<VerifyReport> {
  // Defence in depth: whatever a server or library echoes, the secret and tokens never reach output.
  const scrub = inv.redact;
  const sym = symbols(inv.terminals.stderr);
  // Progress: one line each, values escaped (components/printable.ts), secrets masked.
  const err = (line: string) => deps.stderr(`${printable(scrub(line))}\n`);
  const opts = parseOptions(argv);
  // An InputError (exit 78) when an input is missing.
  const plan: VerifyPlan = await resolvePlan(opts, deps);
  if (plan.credential.kind === "secret") scrub.add(plan.credential.secret);
  else {
    scrub.add(plan.credential.pem);
    scrub.add(deps.env[opts.certificatePasswordEnv]);
  }
  for (const w of plan.warnings) err(`Warning: ${w}`);

  const now = deps.now ?? Date.now;
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const backoff = deps.backoff ?? { initialMs: 5000, maxMs: 60_000 };
  const started = now();
  const deadline = started + opts.waitMs;

  const logins: LoginReport[] = plan.targets.flatMap((t) =>
    t.protocols.map((protocol) => ({
      mailbox: t.mailbox,
      protocol,
      ok: false,
      attempted: false,
      attempts: 0,
    })),
  );
  // The send-as checks (docs/operations.md, "Verify after every change"): log in with another
  // mailbox that uses SMTP and submit as the sendAs mailbox; Exchange decides SendAs at submission.
  const notices: string[] = [];
  const smtpMailboxes = plan.targets.filter((t) => t.protocols.includes("smtp")).map((t) => t.mailbox);
  for (const address of plan.sendAs) {
    const via = smtpMailboxes.find((m) => m !== address);
    if (!via) {
      notices.push(
        `SendAs on ${address} is not proven: no other mailbox logs in over SMTP to send as it (give one with --mailbox <address> --protocol smtp)`,
      );
      continue;
    }
    logins.push({
      mailbox: address,
      protocol: "smtp",
      check: "send-as",
      loginMailbox: via,
      ok: false,
      attempted: false,
      attempts: 0,
    });
  }
  for (const b of plan.blocked)
    err(`${sym.fail} The last Exchange run found ${b.protocol} switched off for ${b.mailbox} (${b.switch})`);
  const allProtocols = [...new Set(logins.map((l) => l.protocol))];
  const endpointText = (p: Protocol) => `${plan.endpoints[p].host}:${plan.endpoints[p].port}`;
  const credentialKind = plan.credential.kind;
  const tokenContext = {
    tenant: plan.tenant,
    clientId: plan.clientId,
    authorityHost: plan.authorityHost,
    credential: credentialKind,
  };

  let token: TokenReport = { ok: false, ms: 0 };
  let findings: Cause[] = [];
  let rounds = 0;
  let delay = backoff.initialMs;
  // Under --wait, what the last round printed: the claims, the token failure and the findings are
  // printed again only when they change; each later round is one line (./wait-lines.ts).
  let shownClaims: TokenClaims | undefined;
  let shownFailure: string | undefined;
  const shownFindings = new Set<string>();
  let passedBefore = 0;

  for (;;) {
    rounds++;
    if (rounds === 1)
      err(
        `Getting a token for ${plan.clientId} in ${plan.tenant} from ${plan.authorityHost} (${credentialKind})${sym.ellipsis}`,
      );
    const result = await deps.acquireToken({
      tenant: plan.tenant,
      clientId: plan.clientId,
      credential: plan.credential,
      authorityHost: plan.authorityHost,
      scope: plan.scope,
      ...(plan.ca ? { ca: plan.ca } : {}),
      timeoutMs: opts.timeoutMs,
    });
    let claims: TokenClaims | undefined;
    let accessToken = "";
    if (result.ok) {
      scrub.add(result.accessToken);
      accessToken = result.accessToken;
      claims = result.claims;
      token = {
        ok: true,
        ms: result.ms,
        claims: {
          tid: claims.tid,
          appid: claims.appid,
          oid: claims.oid,
          roles: claims.roles,
          aud: claims.aud,
          ...(claims.appidacr ? { appidacr: claims.appidacr } : {}),
          expiresAt: new Date(claims.exp * 1000).toISOString(),
        },
      };
      if (!shownClaims || !sameClaims(shownClaims, claims))
        err(
          `Token ${rounds === 1 ? "" : `(round ${rounds}) `}in ${formatMs(result.ms)}: tid ${claims.tid}, appid ${claims.appid}, oid ${claims.oid}, roles [${claims.roles.join(", ")}], expires ${token.claims!.expiresAt}`,
        );
      shownClaims = claims;
      shownFailure = undefined;
    } else {
      token = { ok: false, ms: result.ms, cause: diagnoseTokenFailure(result.failure, tokenContext) };
      // Said once: some summaries already begin with "No token:".
      const summary = token.cause!.summary;
      if (summary !== shownFailure)
        err(`${sym.fail} ${summary.startsWith("No token:") ? summary : `No token: ${summary}`}`);
      shownFailure = summary;
      shownClaims = undefined;
    }

    const pending = logins.filter((l) => !l.ok);
    const toRun: LoginReport[] = [];
    if (!claims) {
      findings = [];
      for (const l of pending) l.cause = token.cause;
    } else {
      const d = diagnoseClaims(claims, {
        expectedTenantId: plan.expectedTenantId,
        protocols: allProtocols,
        now: Math.floor(now() / 1000),
      });
      findings = d.blocking;
      const once = (line: string) => {
        if (!shownFindings.has(line)) err(line);
        shownFindings.add(line);
      };
      for (const f of findings) once(`${sym.fail} ${f.summary}`);
      for (const p of allProtocols)
        if (d.perProtocol[p])
          once(`${sym.fail} ${protocolName(p)}: ${d.perProtocol[p]!.summary}; its logins are not attempted`);
      for (const l of pending) {
        const blocked = findings[0] ?? d.perProtocol[l.protocol];
        if (blocked) l.cause = blocked;
        else toRun.push(l);
      }
    }

    // Each login is shown once, in the table; here only a running count (and, under --wait, the
    // names of those still failing), so a terminal does not show every login twice.
    let done = 0;
    const progress = (what: string) => {
      done++;
      // Later rounds of --wait say it in one line (below).
      if (rounds === 1 && (opts.waitMs > 0 || toRun.length > 8)) err(`[${done}/${toRun.length}] ${what}`);
    };
    await pool(toRun, opts.concurrency, async (l) => {
      const p = l.protocol;
      const sendAs = l.check === "send-as";
      const label = sendAs
        ? `SMTP send-as ${l.mailbox} (logged in as ${l.loginMailbox})`
        : `${protocolName(p)} ${l.mailbox}`;
      const r = await deps.logins[p]({
        host: plan.endpoints[p].host,
        port: plan.endpoints[p].port,
        tls: plan.endpoints[p].tls,
        mailbox: sendAs ? l.loginMailbox! : l.mailbox,
        accessToken,
        timeoutMs: opts.timeoutMs,
        ...(plan.ca ? { ca: plan.ca } : {}),
        ...(p === "smtp" && opts.sendTest ? { sendTestTo: opts.sendTest } : {}),
        ...(sendAs ? { sendAs: l.mailbox } : {}),
      });
      l.attempted = true;
      l.attempts++;
      l.ms = r.ms;
      if (r.ok) {
        l.ok = true;
        delete l.cause;
        delete l.stage;
        delete l.serverResponse;
        if (r.detail) l.detail = r.detail;
        progress(`${sym.pass} ${label}`);
      } else {
        l.stage = r.stage;
        l.serverResponse = r.serverResponse;
        l.cause = diagnoseLogin(r, {
          protocol: p,
          mailbox: sendAs ? l.loginMailbox! : l.mailbox,
          ...(sendAs ? { sendAs: l.mailbox } : {}),
          endpoint: endpointText(p),
          appid: claims?.appid,
          oid: claims?.oid,
          blocked: plan.blocked,
        });
        progress(`${sym.fail} ${label}`);
      }
    });

    const failing = logins.filter((l) => !l.ok);
    const passedNow = logins.length - failing.length;
    const remaining = deadline - now();
    const last = failing.length === 0 || remaining <= 0;
    const wait = Math.min(delay, remaining);
    if (opts.waitMs > 0 && (!last || rounds > 1))
      err(
        roundLine({
          round: rounds,
          logins: logins.length,
          newlyPassed: passedNow - passedBefore,
          failing,
          ...(last ? {} : { nextMs: wait, leftMs: remaining }),
        }),
      );
    passedBefore = passedNow;
    if (last) break;
    await sleep(wait);
    delay = Math.min(delay * 2, backoff.maxMs);
  }

  const passed = logins.filter((l) => l.ok).length;
  const report: VerifyReport = {
    ok: passed === logins.length,
    ...(plan.source === "stack" ? { stack: opts.stack ?? "(selected)" } : {}),
    startedAt: new Date(started).toISOString(),
    tenant: plan.tenant,
    clientId: plan.clientId,
    credential: credentialKind,
    authorityHost: plan.authorityHost,
    scope: plan.scope,
    token,
    findings,
    logins,
    notices,
    warnings: plan.warnings,
    rounds,
    elapsedMs: now() - started,
    summary: { expected: logins.length, passed, failed: logins.length - passed },
  };
  return report;
}
