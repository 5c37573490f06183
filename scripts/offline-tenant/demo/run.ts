// One play of the story: a fresh simulated tenant, the steps one after the other, each rendered as
// it happens (text) or gathered into ONE JSON document (`--json`), then everything stopped and
// removed. The CLI (cli.ts) runs all steps up to the one asked for and prints the document with the
// CLI kit's envelope (scripts/cli/json.ts); the story suite calls step() itself and asserts between
// steps.
import { schemaName } from "../../cli/json";
import { fitText, paint, PLAIN, type Terminal } from "../../cli/terminal";
import type { Item, StepReport } from "./items";
import { renderItem, stepFooter, stepHeading } from "./render";
import { loadDemoStack } from "./stack";
import { DAY_0, STORY, type StepContext, type StoryMemory } from "./story";
import { createWorld, type World } from "./world";

/**
 * The --json document's schema. @2: the CLI kit's envelope (`exitCode` added; `ok` is exit 0) and
 * `interrupted` when a signal stopped the story; the story's fields are those of @1.
 */
export const DEMO_SCHEMA = schemaName("demo", 2);

export interface DemoRunOptions {
  /** Receives every byte of text the demo prints (stdout). */
  out: (text: string) => void;
  /** No text: the caller prints the document finish() returns (the CLI's --json). */
  json?: boolean;
  /** Colour and symbols of the text (scripts/cli/terminal.ts). Default PLAIN: no colour, ASCII. */
  terminal?: Terminal;
  /** Default Pulumi.demo.yaml. */
  stackFile?: string;
  /** Where the wall time counts from (the CLI: the process's start). Default: now. */
  startedAt?: Date;
  /** Shows a transient progress line (the CLI: on a terminal only, on stderr). */
  progress?: (text: string | undefined) => void;
}

/**
 * The story as data. The CLI's --json document is this inside the kit's envelope (schema, ok,
 * exitCode, startedAt, finishedAt: the tool's start and end), plus `interrupted` (SIGINT or SIGTERM)
 * when a signal stopped it.
 */
export interface DemoDocument {
  schema: string;
  /** Every step so far went as the story expects. */
  ok: boolean;
  startedAt: string;
  finishedAt: string;
  /** Milliseconds from `startedAt` of the options (the CLI: the process's start) to the end. */
  wallMs: number;
  simulated: true;
  stack: { file: string; tenantId: string; organization: string };
  imapPop: { available: boolean; skipped?: string; install?: string };
  steps: StepReport[];
}

export class DemoRun {
  readonly steps: StepReport[] = [];
  private readonly memory: StoryMemory = {};
  private readonly terminal: Terminal;
  private readonly started: Date;
  private stopped = false;

  private constructor(
    readonly world: World,
    private readonly o: DemoRunOptions,
  ) {
    this.terminal = o.terminal ?? PLAIN;
    this.started = o.startedAt ?? new Date();
  }

  /** A fresh simulated tenant with the demo stack's mailboxes; prints the introduction. */
  static async start(o: DemoRunOptions): Promise<DemoRun> {
    const world = await createWorld({ stack: loadDemoStack(o.stackFile), startAt: DAY_0 });
    const run = new DemoRun(world, o);
    run.text(run.introduction());
    return run;
  }

  /** The steps' count. */
  get last(): number {
    return STORY.length;
  }

  get ok(): boolean {
    return this.steps.every((s) => s.ok);
  }

  /** Runs step n (the next one); renders it; never throws for a failing story (its check fails). */
  async step(n: number): Promise<StepReport> {
    const step = STORY[n - 1];
    if (!step || n !== this.steps.length + 1)
      throw new Error(
        `Story step ${n}: steps run in order, next is ${this.steps.length + 1} of ${STORY.length}`,
      );
    const c = this.terminal;
    this.world.clock!.set(step.clock(this.world, this.memory));
    const report: StepReport = {
      n,
      id: step.id,
      title: step.title,
      at: this.world.clock!.iso(),
      ok: true,
      wallMs: 0,
      items: [],
    };
    const began = performance.now();
    this.text([stepHeading(c, n, STORY.length, step.title, report.at)]);
    const emit = (item: Item) => {
      this.o.progress?.(undefined);
      report.items.push(item);
      if (item.type === "check" && !item.ok) report.ok = false;
      this.text(renderItem(c, item));
    };
    const ctx: StepContext = {
      world: this.world,
      memory: this.memory,
      emit,
      progress: (text) => this.o.progress?.(text),
      check: (text, ok, detail) => {
        emit({ type: "check", text, ok, ...(ok || detail === undefined ? {} : { detail }) });
        return ok;
      },
    };
    try {
      await step.run(ctx);
    } catch (err) {
      ctx.check(`step ${n} ran to its end`, false, (err as Error).message.split("\n")[0]);
    }
    report.wallMs = Math.round(performance.now() - began);
    this.steps.push(report);
    this.text([stepFooter(c, report), ""]);
    return report;
  }

  /** Stops and removes everything; prints the wall time (text); returns the whole story as data. */
  async finish(): Promise<DemoDocument> {
    if (!this.stopped) {
      this.stopped = true;
      await this.world.close();
    }
    const finished = new Date();
    const wallMs = finished.getTime() - this.started.getTime();
    const { stack, services } = this.world;
    const doc: DemoDocument = {
      schema: DEMO_SCHEMA,
      ok: this.ok,
      startedAt: this.started.toISOString(),
      finishedAt: finished.toISOString(),
      wallMs,
      simulated: true as const,
      stack: {
        file: stack.file.split("/").pop()!,
        tenantId: stack.config.tenantId,
        organization: stack.config.organization,
      },
      imapPop: services.imapPop ? { available: false, ...services.imapPop } : { available: true },
      steps: this.steps,
    };
    if (!this.o.json) {
      const c = this.terminal;
      const failed = this.steps.filter((s) => !s.ok).map((s) => s.n);
      this.text([
        failed.length
          ? paint(c, "red", `✗ step(s) ${failed.join(", ")} did not go as the story expects.`)
          : paint(c, "green", `✓ ${this.steps.length} of ${STORY.length} steps as expected.`),
        `The tenant was simulated and is gone; nothing reached Microsoft. Wall time: ${(wallMs / 1000).toFixed(1)} s.`,
      ]);
    }
    return doc;
  }

  private introduction(): string[] {
    const { stack, services } = this.world;
    const c = this.terminal;
    const e = services.endpoints;
    const peers = [
      e.imap ? `IMAP ${e.imap.host}:${e.imap.port}` : undefined,
      e.pop ? `POP ${e.pop.host}:${e.pop.port}` : undefined,
      `SMTP ${e.smtp.host}:${e.smtp.port}`,
    ].filter(Boolean);
    return [
      paint(
        c,
        "bold",
        "exo-oauth demo: a SIMULATED Microsoft 365 tenant, fully offline. Nothing here reaches Microsoft.",
      ),
      `  tenant ${stack.config.tenantId} (${stack.config.organization}), stack ${stack.file.split("/").pop()}`,
      "  the real program (index.ts) under the multi-run engine, the real Exchange step (driver → fake pwsh →",
      "  Exchange simulator), the offline token endpoint and mail peers, and the real `npm run verify`:",
      `  token endpoint ${services.issuer.url}, ${peers.join(", ")}`,
      ...(services.imapPop
        ? [
            paint(c, "yellow", `  IMAP and POP logins are skipped: ${services.imapPop.skipped}`),
            `  to run them: ${services.imapPop.install}`,
          ]
        : []),
      "",
    ];
  }

  private text(lines: string[]): void {
    // The symbols inside sentences (✓ → … —) as this terminal shows them.
    if (!this.o.json) this.o.out(lines.map((l) => fitText(this.terminal, l) + "\n").join(""));
  }
}
