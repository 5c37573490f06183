// `npm run verify` against the world's offline endpoints (the operator tool's own code, runVerify,
// with the stack outputs injected where the CLI would read `pulumi stack output`), reported as a
// VerifyItem. The client secret goes in by environment variable, as the CLI takes it; every access
// token the issuer hands out is added to the world's secrets for the leak scans.
import { readFileSync } from "node:fs";
import type { Protocol } from "../../../components/microsoft";
import { freePorts } from "../mail-peers/dovecot";
import { loginImap } from "../../operator/verify/imap";
import { DEFAULT_SECRET_ENV } from "../../operator/verify/options";
import { loginPop3 } from "../../operator/verify/pop3";
import { runVerify, type VerifyReport } from "../../operator/verify/run";
import { loginSmtp } from "../../operator/verify/smtp";
import { acquireToken } from "../../operator/verify/token";
import type { LoginLine, VerifyItem } from "./items";
import type { World } from "./world";

export interface VerifyOptions {
  label: string;
  /** The client secret to use (default: the stack's published `clientSecret` output). */
  secret?: string;
  /** More verify options, e.g. ["--mailbox", "a@b", "--protocol", "pop"]. */
  args?: string[];
}

const SERVER_FLAGS: Record<Protocol, string> = { imap: "imap", pop: "pop", smtp: "smtp" };

export async function verifyItem(world: World, o: VerifyOptions): Promise<VerifyItem> {
  const { services } = world;
  const endpoints = services.endpoints;
  // A protocol without a peer (no Dovecot) points at a closed port: verify still decides what the
  // token alone decides (a missing role), and a login it does attempt is reported skipped.
  const missing = (["imap", "pop", "smtp"] as const).filter((p) => !endpoints[p]);
  const closed = missing.length ? (await freePorts(1))[0] : 0;
  const argv: string[] = [
    "--authority-host", services.issuer.url, "--ca-file", services.caFile,
    "--timeout", "10s", "--json", ...(o.args ?? []),
  ]; // prettier-ignore
  for (const p of ["imap", "pop", "smtp"] as const) {
    const e = endpoints[p];
    argv.push(
      `--${SERVER_FLAGS[p]}-host`,
      e?.host ?? "127.0.0.1",
      `--${SERVER_FLAGS[p]}-port`,
      String(e?.port ?? closed),
    );
  }
  let stderr = "";
  const secret = o.secret ?? String(world.outputs.clientSecret ?? "");
  const at = world.clock?.iso() ?? new Date().toISOString();
  const outcome = await runVerify(argv, {
    env: { [DEFAULT_SECRET_ENV]: secret },
    acquireToken: async (req) => {
      const r = await acquireToken(req);
      if (r.ok && !world.secrets.has(r.accessToken))
        world.secrets.set(r.accessToken, `access token #${world.secrets.size}`);
      return r;
    },
    logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
    readStackOutputs: () => Promise.resolve({ ok: true, outputs: world.outputs }),
    readFile: (p) => readFileSync(p, "utf8"),
    stdout: () => undefined,
    stderr: (t) => void (stderr += t),
    ...(world.clock ? { now: () => world.clock!.now().getTime() } : {}),
  });
  if (!outcome.report)
    throw new Error(`verify ${argv.join(" ")} stopped (exit ${outcome.exitCode}): ${stderr.trim()}`);
  return toItem(o.label, at, outcome.exitCode, outcome.report, missing, services.imapPop?.install);
}

function toItem(
  label: string,
  at: string,
  exitCode: number,
  r: VerifyReport,
  missing: readonly Protocol[],
  install: string | undefined,
): VerifyItem {
  // The story's grid is mailbox × protocol; verify's send-as rows count in its exit code only.
  const logins: LoginLine[] = r.logins
    .filter((l) => l.check !== "send-as")
    .map((l) => {
      const base = { mailbox: l.mailbox, protocol: l.protocol };
      if (l.ok) return { ...base, result: "pass" };
      if (missing.includes(l.protocol) && l.attempted)
        return {
          ...base,
          result: "skipped",
          cause: { id: "no-dovecot", summary: `Dovecot is not installed here: ${install ?? ""}`.trim() },
        };
      return {
        ...base,
        result: "fail",
        cause: { id: l.cause?.id ?? "unknown", summary: l.cause?.summary ?? l.detail ?? "" },
      };
    });
  const skipped = logins.filter((l) => l.result === "skipped").length;
  const failed = logins.filter((l) => l.result === "fail").length;
  return {
    type: "verify",
    label,
    at,
    // verify's exit code, except that logins skipped for want of Dovecot are not failures here.
    exitCode: skipped && !failed && r.token.ok ? 0 : exitCode,
    token: {
      ok: r.token.ok,
      ...(r.token.claims
        ? {
            claims: {
              tid: r.token.claims.tid,
              appid: r.token.claims.appid,
              oid: r.token.claims.oid,
              roles: r.token.claims.roles,
              expiresAt: r.token.claims.expiresAt,
            },
          }
        : {}),
      ...(r.token.cause ? { cause: { id: r.token.cause.id, summary: r.token.cause.summary } } : {}),
    },
    logins,
  };
}
