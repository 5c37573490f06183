// One run's bookkeeping: its steps and provider calls, what it registered and condemned, and the
// failure that stops it (Pulumi starts no new step after a failed one and waits for those in flight).
import type { ResourceState } from "./checkpoint";
import type { Condemned } from "./delete-order";
import type { ProviderCall, Step } from "./plan";

/** A pending promise that never settles: a failed step's registration never answers (the engine stops). */
export const never = <T>(): Promise<T> => new Promise<T>(() => undefined);

export class RunState {
  readonly steps: Step[] = [];
  readonly calls: ProviderCall[] = [];
  readonly registered = new Map<string, ResourceState>();
  readonly condemned: Condemned[] = [];
  /** Old instances already deleted during the run (delete-before-replace). */
  readonly gone = new Set<ResourceState>();
  failure?: Error;
  inflight = 0;
  readonly stopped: Promise<Error>;
  private stop!: (e: Error) => void;
  private idleWaiters: (() => void)[] = [];
  constructor() {
    this.stopped = new Promise((resolve) => (this.stop = resolve));
  }
  step(s: Omit<Step, "status"> & { status?: Step["status"] }): void {
    this.steps.push({ status: "ok", ...s });
  }
  fail(err: Error): void {
    if (this.failure) return;
    this.failure = err;
    this.stop(err);
  }
  settled(): void {
    if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
  idle(): Promise<void> {
    return this.inflight === 0 ? Promise.resolve() : new Promise((r) => this.idleWaiters.push(r));
  }
}
