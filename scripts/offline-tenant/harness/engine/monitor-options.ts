// The resource options a mock cannot see. @pulumi/pulumi's setMocks hands `Mocks.newResource` only
// type, name, inputs, provider, custom and id (MockResourceArgs, runtime/mocks.d.ts) — not parent,
// dependencies, deleteBeforeReplace, ignoreChanges, replaceOnChanges, protect. They travel in the
// RegisterResourceRequest the SDK sends to the monitor, so the engine wraps the mock monitor's
// `registerResource` and `readResource` (runtime/mocks.js MockMonitor): the wrapper notes the
// request's options, then calls the original, which calls `newResource` synchronously before its
// first await — so `newResource` picks up exactly its own request's options at entry.
import * as pulumi from "@pulumi/pulumi";

export interface RegistrationOptions {
  /** "register": a new or existing resource; "read": a `.get` / StackReference (ReadResource). */
  kind: "register" | "read";
  /** The URN the mock monitor gives the resource (MockMonitor.newUrn). */
  urn: string;
  parent?: string;
  dependencies: string[];
  /** Set only when the program set the option (deleteBeforeReplaceDefined). */
  deleteBeforeReplace?: boolean;
  ignoreChanges: string[];
  replaceOnChanges: string[];
  protect: boolean;
  /** The `import` option's id ("" when not set). */
  importId: string;
}

interface RequestLike {
  getType(): string;
  getName(): string;
  getParent(): string;
  getDependenciesList(): string[];
}
interface RegisterRequestLike extends RequestLike {
  getDeletebeforereplace(): boolean;
  getDeletebeforereplacedefined(): boolean;
  getIgnorechangesList(): string[];
  getReplaceonchangesList(): string[];
  getProtect(): boolean;
  getImportid(): string;
}
type Handler<R> = (req: R, callback: unknown) => unknown;
interface MonitorLike {
  registerResource: Handler<RegisterRequestLike>;
  readResource: Handler<RequestLike>;
  registerResourceOutputs?: Handler<{ getUrn(): string }>;
}

/** MockMonitor.newUrn: the parent's own type qualifies the child's (runtime/mocks.js). */
export function mockUrn(stack: string, project: string, parent: string, type: string, name: string): string {
  let qualified = type;
  if (parent) qualified = `${parent.split("::")[2].split("$").pop()}$${type}`;
  return `urn:pulumi:${[stack, project, qualified, name].join("::")}`;
}

/**
 * Wraps the monitor set by the last setMocks. `take()` (call it synchronously at the start of
 * newResource) returns the options of the request being handled.
 */
export function captureRegistrationOptions(): { take(): RegistrationOptions } {
  const monitor = pulumi.runtime.getMonitor() as unknown as MonitorLike | undefined;
  if (
    !monitor ||
    typeof monitor.registerResource !== "function" ||
    typeof monitor.readResource !== "function"
  )
    throw new Error(
      "Capturing resource options: no mock monitor is set (call pulumi.runtime.setMocks first)",
    );
  const stack = pulumi.getStack();
  const project = pulumi.getProject();
  let current: RegistrationOptions | undefined;
  const register = monitor.registerResource.bind(monitor);
  const read = monitor.readResource.bind(monitor);
  monitor.registerResource = (req, callback) => {
    const deleteBeforeReplace = req.getDeletebeforereplacedefined()
      ? req.getDeletebeforereplace()
      : undefined;
    current = {
      kind: "register",
      urn: mockUrn(stack, project, req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      ...(deleteBeforeReplace === undefined ? {} : { deleteBeforeReplace }),
      ignoreChanges: req.getIgnorechangesList(),
      replaceOnChanges: req.getReplaceonchangesList(),
      protect: req.getProtect(),
      importId: req.getImportid(),
    };
    try {
      return register(req, callback);
    } finally {
      current = undefined;
    }
  };
  monitor.readResource = (req, callback) => {
    current = {
      kind: "read",
      urn: mockUrn(stack, project, req.getParent(), req.getType(), req.getName()),
      parent: req.getParent() || undefined,
      dependencies: req.getDependenciesList(),
      ignoreChanges: [],
      replaceOnChanges: [],
      protect: false,
      importId: "",
    };
    try {
      return read(req, callback);
    } finally {
      current = undefined;
    }
  };
  dropOutputsOfUnansweredRegistrations(monitor);
  return {
    take() {
      if (!current)
        throw new Error("Capturing resource options: newResource was called outside a monitor request");
      const o = current;
      current = undefined;
      return o;
    },
  };
}

const PATCHED = Symbol.for("exo-oauth.engine.registerResourceOutputs");

/**
 * After a failed step the engine answers no registration (Pulumi starts no step after a failure,
 * docs/multi-run-engine.md), so the mock never stores those resources; a component's
 * registerOutputs for one of them rejects ("unknown resource"), unhandled, while the failed run winds
 * down — possibly after the next run's setMocks, on the next run's monitor. Pulumi's engine has
 * stopped the program by then: those outputs have nowhere to go, and are dropped. Patched on the mock
 * monitor's class, once, so every monitor (including one set before the engine wraps it) does this.
 */
function dropOutputsOfUnansweredRegistrations(monitor: MonitorLike): void {
  const proto = Object.getPrototypeOf(monitor) as MonitorLike & { [PATCHED]?: true };
  const original = proto.registerResourceOutputs;
  if (!original || proto[PATCHED]) return;
  proto[PATCHED] = true;
  proto.registerResourceOutputs = function (this: unknown, req, callback) {
    const answer = callback as (e: Error | null, r: unknown) => void;
    return original.call(this, req, (err: Error | null, res: unknown) =>
      err && /^unknown resource /.test(err.message) ? answer(null, {}) : answer(err, res),
    );
  };
}
