// `npm run verify -- [options]` (see --help and docs/operations.md, "Verify after every change"): wires the real
// dependencies into runVerify — @azure/identity, imapflow, the POP3 client, nodemailer, the
// pulumi CLI — and exits 0 only if every expected login passed (1: a failure, 2: bad input).
import { readFileSync } from "node:fs";
import { loginImap } from "./imap";
import { readStackOutputs } from "./inputs";
import { loginPop3 } from "./pop3";
import { runVerify } from "./run";
import { loginSmtp } from "./smtp";
import { acquireToken } from "./token";

runVerify(process.argv.slice(2), {
  env: process.env,
  acquireToken,
  logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
  readStackOutputs,
  readFile: (path) => readFileSync(path, "utf8"),
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
}).then(
  ({ exitCode }) => {
    process.exitCode = exitCode;
  },
  (err: Error) => {
    process.stderr.write(`verify: ${err.message}\n`);
    process.exitCode = 1;
  },
);
