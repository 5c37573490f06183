// `npm run check-expiry -- [options]` (--help; docs/operations.md, "The expiry guard"): the real
// dependencies — the pulumi CLI on PATH and Graph signed in like the azuread provider.
import { runPulumi } from "../../cli/pulumi";
import { runAsMain } from "../../cli/run";
import { graphAccessFromEnvironment } from "./live";
import { runCheckExpiry } from "./run";

if (require.main === module)
  runAsMain((argv, io) =>
    runCheckExpiry(argv, io, {
      runPulumi,
      graph: (env) => graphAccessFromEnvironment(env as NodeJS.ProcessEnv),
    }),
  );
