// A stored entry point: keep this file, at this path, for as long as any stack may exist.
// Every stack deployed before the project-local entry (scripts/exchange-driver/run.cjs) holds
// `npx --no tsx scripts/exchange/cli.ts apply` and `… remove` in its Command's state, and
// `pulumi destroy` runs the OLD delete string from whatever checkout is current
// (docs/pulumi-lifecycle.md). The driver itself lives in scripts/exchange-driver/; this file only
// checks the checkout's dependencies are installed (exit 78 otherwise), then forwards to it.
import "../exchange-driver/require-installed.cjs";
import { main } from "../exchange-driver/cli";

main();
