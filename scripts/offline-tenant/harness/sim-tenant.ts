// A throwaway tenant for running the Exchange driver against the simulator (fake-pwsh): the
// state file with our Entra application and its service principal, and the environment a
// driver run gets (the Command's encoded settings + where the simulator keeps state and stats).
// Shared by the benchmark (scripts/bench/exchange.ts) and the driver/simulator tests.
import { join } from "node:path";
import { encodeDriverEnvironment, type DriverSettings } from "../../../components/exchange-step/codec";
import { DRIVER_ENV } from "../../../components/exchange-step/environment";
import { newTenantState, type TenantState } from "../state";
import { grantMailboxAccess } from "../exchange/hand-edits";

/** The fake `pwsh` that runs the simulator: give it as the driver's `pwsh` setting. */
export const FAKE_PWSH = join(__dirname, "../exchange/fake-pwsh");

export const SIM_ORGANIZATION = "contoso.onmicrosoft.com";

export interface SimApp {
  /** The app REGISTRATION's object id: what must never reach New-ServicePrincipal. */
  objectId: string;
  clientId: string;
  /** The ENTERPRISE APPLICATION's (service principal's) object id. */
  spObjectId: string;
  displayName: string;
}

export const SIM_APP: SimApp = {
  objectId: "11111111-1111-4111-8111-111111111111",
  clientId: "22222222-2222-4222-8222-222222222222",
  spObjectId: "33333333-3333-4333-8333-333333333333",
  displayName: "exo-oauth mail daemon",
};

/** A tenant of `organization` with `mailboxes`, and `app` registered in Entra with its service principal. */
export function newSimTenantState(
  mailboxes: string[],
  app: SimApp = SIM_APP,
  organization = SIM_ORGANIZATION,
): TenantState {
  const state = newTenantState({ organization, mailboxes });
  state.entra.applications.push({
    objectId: app.objectId,
    clientId: app.clientId,
    displayName: app.displayName,
  });
  state.entra.servicePrincipals.push({
    objectId: app.spObjectId,
    clientId: app.clientId,
    displayName: app.displayName,
  });
  return state;
}

export interface SimDriverRun {
  settings: DriverSettings;
  /** EXO_SIM_STATE: the tenant state file. */
  statePath: string;
  /** EXO_SIM_STATS: where the simulator merges its counters. */
  statsPath: string;
  /** The previous run's stdout (what @pulumi/command passes as PULUMI_COMMAND_STDOUT); omitted when undefined. */
  previousStdout?: string;
  /** EXO_SIM_FAULTS, as an object (exchange/knobs.ts SimFaults). */
  faults?: Record<string, unknown>;
}

/** The driver's environment for one run against the simulator (without PATH/HOME and other extras). */
export function simDriverEnv(run: SimDriverRun): Record<string, string> {
  return {
    ...encodeDriverEnvironment(run.settings),
    EXO_SIM_STATE: run.statePath,
    EXO_SIM_STATS: run.statsPath,
    ...(run.faults ? { EXO_SIM_FAULTS: JSON.stringify(run.faults) } : {}),
    ...(run.previousStdout !== undefined ? { [DRIVER_ENV.previousStdout]: run.previousStdout } : {}),
  };
}

/** A principal that is not ours (a helpdesk admins group): its grants must survive every run. */
export const OTHERS = { user: "CONTOSO\\helpdesk-admins", sid: "S-1-5-21-999-888-777-1234" } as const;

/** Gives OTHERS FullAccess and SendAs on `address`, as an admin would by hand. */
export function grantOthers(state: TenantState, address: string): void {
  grantMailboxAccess(state, address, OTHERS);
}
