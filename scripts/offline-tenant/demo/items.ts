// What a story step reports, as data: the text renderer (render.ts) prints each item as it
// comes, `--json` puts them in one document, the story suite asserts on them. No item ever holds
// a secret value: secret outputs are named, never shown; verify reports only token claims.
import type { Protocol } from "../../../components/microsoft";

/** One line of narration. */
export interface NoteItem {
  type: "note";
  text: string;
}

/** One resource's step in a `pulumi up` / `pulumi destroy`, as Pulumi prints it. */
export interface PlanChange {
  op: string;
  type: string;
  name: string;
  keys?: string[];
}

/** A `pulumi up` or `pulumi destroy` played by the multi-run engine. */
export interface PulumiItem {
  type: "pulumi";
  command: "up" | "destroy";
  /** The run's clock (ISO 8601). */
  at: string;
  ok: boolean;
  error?: string;
  /** The plan as the engine prints it, without the Outputs block. */
  plan: string[];
  /** The resources that did not stay the same. */
  changes: PlanChange[];
  /** "3 created, 1 deleted, 7 unchanged". */
  summary: string;
  /** Stack outputs whose value changed, with the new value (secret ones: "[secret]"). */
  outputsChanged: { name: string; value: string }[];
  /** The Exchange step's progress: what the driver printed on stderr, per Command script run. */
  exchange: { script: string; exitCode: number | null; lines: string[] }[];
}

export type LoginResult = "pass" | "fail" | "skipped";

export interface LoginLine {
  mailbox: string;
  protocol: Protocol;
  result: LoginResult;
  /** verify's cause id and its one-line summary (fail), or why it did not run (skipped). */
  cause?: { id: string; summary: string };
}

/** One `npm run verify` against the offline endpoints. */
export interface VerifyItem {
  type: "verify";
  /** What is verified ("the published secret", "the previous secret, past its endDate", …). */
  label: string;
  at: string;
  exitCode: number;
  token: {
    ok: boolean;
    claims?: { tid: string; appid: string; oid: string; roles: string[]; expiresAt: string };
    cause?: { id: string; summary: string };
  };
  logins: LoginLine[];
}

/** A run of `npm run exchange -- <command>` as a pipeline job runs it. */
export interface ExchangeJobItem {
  type: "exchange-job";
  commandLine: string;
  exitCode: number | null;
  /** The report (plan) or record (apply) the driver printed on stdout, line by line. */
  stdout: string[];
  /** Its progress on stderr. */
  stderr: string[];
  /** Exchange cmdlets this job ran that change something (the simulator's counter). */
  writes: number;
}

/** A change made outside the stack, as an admin would. */
export interface HandEditItem {
  type: "hand-edit";
  text: string;
}

/** What the simulated tenant holds, read from its state file. */
export interface TenantItem {
  type: "tenant";
  label: string;
  lines: { what: string; value: string }[];
}

/** Something the story expects; a failed check fails the demo (exit 1). */
export interface CheckItem {
  type: "check";
  text: string;
  ok: boolean;
  /** What was seen instead, when not ok. */
  detail?: string;
}

export type Item =
  NoteItem | PulumiItem | VerifyItem | ExchangeJobItem | HandEditItem | TenantItem | CheckItem;

export interface StepReport {
  n: number;
  id: string;
  title: string;
  /** The story's clock when the step began. */
  at: string;
  /** Every check of the step held. */
  ok: boolean;
  wallMs: number;
  items: Item[];
}
