// `remove` with nothing that proves what is this stack's (docs/security.md, "The record"): no
// previous record (no --record, no $PULUMI_COMMAND_STDOUT), no --stack. The stack's record or its
// outputs say which application and principal the stack registered; the environment of a hand run
// only says what someone typed, and with another application's ids a removal would delete that
// application's Exchange registration. So a hand run stops before connecting, says what it would
// delete and how to go on; --force-without-record goes on. The Command's own delete whose stdout was
// lost runs with the environment Pulumi stored for it: @pulumi/command then still hands over the
// previous run's progress as PULUMI_COMMAND_STDERR (the driver always writes some), and that is
// taken as the Command's, not a hand run.
import type { DesiredState } from "../../components/exchange-step/state";
import { InputError } from "../cli/errors";

/** @pulumi/command's variable carrying the previous run's stderr (docs/pulumi-lifecycle.md). */
export const PREVIOUS_STDERR = "PULUMI_COMMAND_STDERR";

/** Throws InputError (exit 78, nothing touched) for a hand-run removal nothing proves; logs and returns otherwise. */
export function unprovenRemoval(
  desired: DesiredState,
  env: NodeJS.ProcessEnv,
  force: boolean,
  log: (line: string) => void,
): void {
  const underCommand = Boolean(env[PREVIOUS_STDERR]);
  const would = [
    ...desired.mailboxes.map(
      (m) =>
        `revoke FullAccess${m.sendAs ? " and SendAs" : ""} on ${m.address} from ${desired.servicePrincipalObjectId}`,
    ),
    `remove the Exchange service principal for AppId ${desired.appId} with ObjectId ${desired.servicePrincipalObjectId}`,
  ];
  if (force) log("--force-without-record: going on although nothing proves these ids are this stack's");
  if (underCommand || force) return;
  throw new InputError([
    "Removing without a previous record: no record (--record <file>, $PULUMI_COMMAND_STDOUT) and no stack (--stack <name>) " +
      "proves these ids are this stack's, so nothing was touched. It would:",
    ...would,
    "Give the stack (--stack <name>) or its record (pulumi stack output exchangeRecord --json > record.json; --record record.json), " +
      "or, if you are sure these are yours, run again with --force-without-record.",
  ]);
}
