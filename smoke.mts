import { createTestTenant } from "./test/verify/support/tenant";
import { startTokenIssuer } from "./scripts/offline-tenant/token-issuer";
import { startMailPeers } from "./scripts/offline-tenant/mail-peers/index";
import { runVerify } from "./scripts/verify/run";
import { acquireToken } from "./scripts/verify/token";
import { loginImap } from "./scripts/verify/imap";
import { loginPop3 } from "./scripts/verify/pop3";
import { loginSmtp } from "./scripts/verify/smtp";
import { readFileSync, writeFileSync } from "node:fs";
const t = createTestTenant({ mailboxes: ["helpdesk@contoso.com", "billing@contoso.com"], granted: ["helpdesk@contoso.com"] });
const issuer = await startTokenIssuer({ statePath: t.statePath });
const peers = await startMailPeers({ statePath: t.statePath, jwks: issuer.jwks });
writeFileSync(t.dir + "/ca.pem", issuer.ca + peers.ca);
const argv = ["--tenant", t.tenantId, "--client-id", t.app.application.clientId, "--mailbox", "helpdesk@contoso.com", "--mailbox", "billing@contoso.com",
 "--authority-host", issuer.url, "--ca-file", t.dir + "/ca.pem",
 "--imap-host", peers.imaps.host, "--imap-port", String(peers.imaps.port),
 "--pop-host", peers.pop3s.host, "--pop-port", String(peers.pop3s.port),
 "--smtp-host", peers.smtp.host, "--smtp-port", String(peers.smtp.port), ...process.argv.slice(2)];
const r = await runVerify(argv, { env: { EXO_OAUTH_CLIENT_SECRET: t.secret }, acquireToken, logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
  readStackOutputs: async () => ({ ok: false, reason: "no-cli", message: "" }), readFile: (p) => readFileSync(p, "utf8"),
  stdout: (s) => process.stdout.write(s), stderr: (s) => process.stderr.write(s) });
console.log("exit", r.exitCode);
await peers.stop(); await issuer.close(); t.cleanup();
