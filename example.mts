import { createTestTenant } from "./test/verify/support/tenant";
import { startTokenIssuer } from "./scripts/offline-tenant/token-issuer";
import { startMailPeers } from "./scripts/offline-tenant/mail-peers/index";
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
const t = createTestTenant({ mailboxes: ["helpdesk@contoso.com", "billing@contoso.com", "alerts@contoso.com"], granted: ["helpdesk@contoso.com", "billing@contoso.com"] });
t.update((s) => { s.exchange.transportConfig.SmtpClientAuthenticationDisabled = true; for (const m of s.exchange.mailboxes) if (m.address !== "billing@contoso.com") m.SmtpClientAuthenticationDisabled = false; });
const issuer = await startTokenIssuer({ statePath: t.statePath });
const peers = await startMailPeers({ statePath: t.statePath, jwks: issuer.jwks });
writeFileSync(t.dir + "/ca.pem", issuer.ca + peers.ca);
const args = ["tsx", "scripts/verify/cli.ts", "--tenant", t.tenantId, "--client-id", t.app.application.clientId,
 "--mailbox", "helpdesk@contoso.com", "--mailbox", "billing@contoso.com", "--mailbox", "alerts@contoso.com",
 "--authority-host", issuer.url, "--ca-file", t.dir + "/ca.pem",
 "--imap-host", "127.0.0.1", "--imap-port", String(peers.imaps.port),
 "--pop-host", "127.0.0.1", "--pop-port", String(peers.pop3s.port),
 "--smtp-host", "127.0.0.1", "--smtp-port", String(peers.smtp.port), ...process.argv.slice(2)];
// the CLI runs in a child process; the peers answer from this one
const { spawn } = await import("node:child_process");
const child = spawn("npx", args, { env: { ...process.env, EXO_OAUTH_CLIENT_SECRET: t.secret }, stdio: ["ignore", "pipe", "pipe"] });
let out = "", err = "";
child.stdout.on("data", (d) => (out += d)); child.stderr.on("data", (d) => (err += d));
const code = await new Promise((r) => child.on("close", r));
console.log("=== STDERR\n" + err + "=== STDOUT\n" + out + "=== exit " + code);
console.log("secret leaked:", (out + err).includes(t.secret));
await peers.stop(); await issuer.close(); t.cleanup();
