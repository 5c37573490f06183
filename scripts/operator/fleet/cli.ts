// `npm run fleet -- <command> [options]` (--help; README, "Many tenants"): the Automation API for
// preview, up and refresh, the project's tools for plan, verify and check-expiry; Ctrl-C aborts
// (a second Ctrl-C is ignored until the running updates have stopped: nothing is left locked).
import { runAsMain } from "../../cli/run";
import { automationRunner } from "./automation";
import { stackEnvironment } from "./environment";
import { runFleetTool } from "./run";
import { toolRunner } from "./tools";

if (require.main === module) {
  const controller = new AbortController();
  process.on("SIGINT", () => {
    if (!controller.signal.aborted)
      process.stderr.write("Cancelling: no stack starts any more; waiting for the running ones to stop...\n");
    controller.abort();
  });
  runAsMain((argv, io) =>
    runFleetTool(argv, io, {
      signal: controller.signal,
      envFor: (envDir, stack) => stackEnvironment(process.env, envDir, stack),
      runner: (command, ctx) =>
        command === "preview" || command === "up" || command === "refresh"
          ? automationRunner(ctx)
          : toolRunner({ envFor: ctx.envFor, cwd: ctx.workDir }),
    }),
  );
}
