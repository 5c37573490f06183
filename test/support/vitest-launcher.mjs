// `npm test`'s way into vitest: colour only on a terminal. vitest's colour library (tinyrainbow)
// colours whenever TERM is not "dumb", pipes and CI logs included; NO_COLOR is the one switch it
// honours before that (node_modules/tinyrainbow/dist/index.js). So when stdout is not a TTY this
// sets NO_COLOR (and drops FORCE_COLOR) for vitest and everything it starts, then runs vitest with
// the same arguments and ends with its exit code (or its signal).
//   node test/support/vitest-launcher.mjs run [vitest args…]
import { spawn } from "node:child_process";
import { URL, fileURLToPath } from "node:url";

const vitest = fileURLToPath(new URL("../../node_modules/vitest/vitest.mjs", import.meta.url));
const env = { ...process.env };
if (!process.stdout.isTTY) {
  env.NO_COLOR = "1";
  delete env.FORCE_COLOR;
}
const child = spawn(process.execPath, [vitest, ...process.argv.slice(2)], { stdio: "inherit", env });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
