// A private Dovecot instance (IMAP + POP3) on free loopback ports whose Lua passdb asks the
// checker. Started with `dovecot -F -c <run>/dovecot.conf`, stopped by PID.
// Facts: docs/offline-tenant.md, "The mail peers" (Debian 12, Dovecot 2.3.19.1).
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { createServer, connect as netConnect } from "node:net";
import { userInfo } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";

/** Where Debian's dovecot-auth-lua puts the Lua passdb. */
export const DOVECOT_LUA_MODULE = "/usr/lib/dovecot/modules/auth/libauthdb_lua.so";

/**
 * The dovecot binary: $EXO_OAUTH_DOVECOT if set (a non-standard install), else `dovecot` on
 * PATH, else Debian's /usr/sbin/dovecot (not on a non-root user's PATH).
 */
export function dovecotBinary(): string | undefined {
  const candidates = process.env.EXO_OAUTH_DOVECOT
    ? [process.env.EXO_OAUTH_DOVECOT]
    : ["dovecot", "/usr/sbin/dovecot"];
  for (const candidate of candidates) {
    const probe = spawnSync(candidate, ["--version"], { encoding: "utf8" });
    if (!probe.error && probe.status === 0) return candidate;
  }
  return undefined;
}

/** Whether Dovecot with the Lua passdb can run here; `reason` says what is missing. */
export function dovecotAvailability(): { available: true } | { available: false; reason: string } {
  if (!dovecotBinary())
    return {
      available: false,
      reason: `dovecot is not installed (${process.env.EXO_OAUTH_DOVECOT ?? "dovecot"} not found; apt-get install dovecot-core dovecot-imapd dovecot-pop3d dovecot-auth-lua)`,
    };
  if (!existsSync(DOVECOT_LUA_MODULE))
    return {
      available: false,
      reason: `${DOVECOT_LUA_MODULE} is missing (apt-get install dovecot-auth-lua)`,
    };
  return { available: true };
}

export interface DovecotOptions {
  /** Run directory (config, sockets, logs, mail); created, and its base_dir wiped before start. */
  runDir: string;
  /** The checker's POST /check URL, templated into auth.lua. */
  checkerUrl: string;
  certPath: string;
  keyPath: string;
  /** Wait this long for every port's greeting (default 10 s). */
  readyTimeoutMs?: number;
}

export interface DovecotInstance {
  pid: number;
  imap: { port: number };
  imaps: { port: number };
  pop3: { port: number };
  pop3s: { port: number };
  logPath: string;
  configPath: string;
  /** PIDs of the master's children seen after start (for the no-leftovers check). */
  childPids(): number[];
  stop(): Promise<void>;
}

/** Free loopback TCP ports (bound to 0 and released; the caller binds them right away). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from({ length: count }, () => {
      const s = createServer();
      return new Promise<typeof s>((resolve, reject) => {
        s.once("error", reject);
        s.listen(0, "127.0.0.1", () => resolve(s));
      });
    }),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  return ports;
}

function render(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_, key: string) => {
    if (!(key in values)) throw new Error(`Rendering Dovecot template: no value for {{${key}}}`);
    return String(values[key]);
  });
}

function uidGid(user: string, group: string): { uid: number; gid: number } {
  const uid = Number(spawnSync("id", ["-u", user], { encoding: "utf8" }).stdout.trim());
  const gid = Number(spawnSync("getent", ["group", group], { encoding: "utf8" }).stdout.split(":")[2]);
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    throw new Error(`Starting Dovecot: no user ${user} / group ${group}`);
  return { uid, gid };
}

export async function startDovecot(opts: DovecotOptions): Promise<DovecotInstance> {
  const availability = dovecotAvailability();
  if (!availability.available) throw new Error(`Starting Dovecot: ${availability.reason}`);
  const runDir = opts.runDir;
  mkdirSync(runDir, { recursive: true });
  // The mail processes run as the mail uid and must traverse to their home under runDir.
  chmodSync(runDir, 0o755);
  // A stale anvil-auth-penalty socket delays auth by 5 s: wipe base_dir (never under a running instance).
  rmSync(join(runDir, "base"), { recursive: true, force: true });
  mkdirSync(join(runDir, "state"), { recursive: true });
  const mailDir = join(runDir, "mail");
  mkdirSync(mailDir, { recursive: true });

  // As root the mail uid must not be 0 (Dovecot refuses): nobody/nogroup, owning the mail dir.
  // As another user, Dovecot can only run every process as that user.
  const root = process.getuid?.() === 0;
  const me = userInfo();
  const mail = root ? uidGid("nobody", "nogroup") : { uid: me.uid, gid: me.gid };
  if (root) chownSync(mailDir, mail.uid, mail.gid);
  const users = {
    INTERNAL_USER: root ? "dovecot" : me.username,
    LOGIN_USER: root ? "dovenull" : me.username,
    MAIL_UID: mail.uid,
    MAIL_GID: mail.gid,
  };

  // Free ports are picked, released, then bound by Dovecot: another process may take one in
  // between. Then Dovecot exits with "Address already in use" and we pick new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(opts, users);
    } catch (err) {
      if (attempt >= 3 || !/Address already in use/.test((err as Error).message)) throw err;
      rmSync(join(runDir, "base"), { recursive: true, force: true });
    }
  }
}

async function launch(
  opts: DovecotOptions,
  users: Record<string, string | number>,
): Promise<DovecotInstance> {
  const runDir = opts.runDir;
  const [imap, imaps, pop3, pop3s] = await freePorts(4);
  const values = {
    RUN_DIR: runDir,
    INSTANCE: `${process.pid}-${imap}`,
    CERT_PATH: opts.certPath,
    KEY_PATH: opts.keyPath,
    ...users,
    IMAP_PORT: imap,
    IMAPS_PORT: imaps,
    POP3_PORT: pop3,
    POP3S_PORT: pop3s,
    CHECKER_URL: opts.checkerUrl,
  };
  const configPath = join(runDir, "dovecot.conf");
  writeFileSync(configPath, render(readFileSync(join(__dirname, "dovecot.conf"), "utf8"), values));
  writeFileSync(join(runDir, "auth.lua"), render(readFileSync(join(__dirname, "auth.lua"), "utf8"), values), {
    mode: 0o644,
  });
  const logPath = join(runDir, "dovecot.log");

  const child: ChildProcess = spawn(dovecotBinary() as string, ["-F", "-c", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  let running = true;
  void exited.then(() => (running = false));
  const pid = child.pid;
  if (pid === undefined) throw new Error("Starting Dovecot: spawn returned no PID");

  const stop = async (): Promise<void> => {
    if (!running) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(timer);
  };

  const readyMs = opts.readyTimeoutMs ?? 10_000;
  try {
    await Promise.all(
      [
        { port: imap, tls: false },
        { port: imaps, tls: true },
        { port: pop3, tls: false },
        { port: pop3s, tls: true },
      ].map((p) => waitForGreeting(p.port, p.tls, readyMs, () => running)),
    );
  } catch (err) {
    await stop();
    const log = existsSync(logPath) ? readFileSync(logPath, "utf8").split("\n").slice(-15).join("\n") : "";
    throw new Error(`Starting Dovecot (${configPath}): ${(err as Error).message}\n${output}${log}`);
  }

  return {
    pid,
    imap: { port: imap },
    imaps: { port: imaps },
    pop3: { port: pop3 },
    pop3s: { port: pop3s },
    logPath,
    configPath,
    childPids: () => childrenOf(pid),
    stop,
  };
}

/** Connects until the port answers with a greeting line (`* OK` / `+OK`), or the deadline. */
async function waitForGreeting(
  port: number,
  tls: boolean,
  timeoutMs: number,
  alive: () => boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    if (!alive()) throw new Error("dovecot exited during start");
    try {
      const line = await readGreeting(port, tls);
      if (/^(\* OK|\+OK)/.test(line)) return;
      last = `unexpected greeting ${JSON.stringify(line)}`;
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`port ${port} gave no greeting within ${timeoutMs} ms (${last})`);
}

function readGreeting(port: number, useTls: boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = useTls
      ? tlsConnect({ host: "127.0.0.1", port, rejectUnauthorized: false })
      : netConnect({ host: "127.0.0.1", port });
    let data = "";
    socket.setTimeout(2000, () => socket.destroy(new Error("greeting timeout")));
    socket.on("data", (d: Buffer) => {
      data += d.toString();
      const nl = data.indexOf("\n");
      if (nl >= 0) {
        socket.destroy();
        resolve(data.slice(0, nl).trim());
      }
    });
    socket.on("error", reject);
    socket.on("close", () => reject(new Error("closed before greeting")));
  });
}

/** Live PIDs whose parent is `pid` (Linux /proc). */
export function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // Field 4 (ppid) follows the parenthesised command name, which may contain spaces.
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return out;
}

/** Whether a PID is still alive (and not a zombie). */
export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
