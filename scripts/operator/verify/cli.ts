// `npm run verify -- [options]` (see --help and docs/operations.md, "Verify after every change"): wires the real
// dependencies into runVerify — @azure/identity, imapflow, the POP3 client, nodemailer, the
// pulumi CLI — and exits with the code of the one table (docs/operations.md, "Exit codes"):
// 0 only if every expected login passed, 1 a login or the token failed, 64 a bad command line,
// 78 a missing input.
import { readFileSync, statSync } from "node:fs";
import { processIO, runAsMain } from "../../cli/run";
import { loginImap } from "./imap";
import { readStackOutputs } from "./inputs";
import { loginPop3 } from "./pop3";
import { runVerify } from "./run";
import { loginSmtp } from "./smtp";
import { acquireToken } from "./token";

runAsMain(async (argv) => {
  const io = processIO();
  const { exitCode } = await runVerify(argv, {
    env: process.env,
    acquireToken,
    logins: { imap: loginImap, pop: loginPop3, smtp: loginSmtp },
    readStackOutputs,
    readFile: (path) => readFileSync(path, "utf8"),
    fileMode: (path) => statSync(path).mode,
    readFileBytes: (path) => readFileSync(path),
    stdout: io.stdout,
    stderr: io.stderr,
    terminals: io.terminals,
  });
  return exitCode;
});
