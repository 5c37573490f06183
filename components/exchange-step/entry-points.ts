// The command strings the Exchange Command runs (docs/exchange-step.md, "Stored entry points").
// A Command's create/update/delete strings are stored in the stack's state, and `pulumi destroy`
// (or a delete on update) runs the OLD delete string from whatever checkout is current
// (docs/pulumi-lifecycle.md). So the strings every stack deployed so far holds must keep working
// forever: scripts/exchange/cli.ts stays at its path and forwards to the driver. Pure.

/**
 * What every stack deployed before the project-local entry holds: keep this path working forever.
 * `npx` puts every parent folder's node_modules/.bin on PATH, so it could run a planted `tsx`
 * (docs/security.md, "Planted binaries"): new stacks no longer use it.
 */
export const STORED_DRIVER_INVOCATION = "npx --no tsx scripts/exchange/cli.ts";

/**
 * How new Commands invoke the driver: a file of this checkout, run by `node`, that loads tsx by its
 * absolute path inside the project and fails with exit 78 when `npm ci` was not run
 * (scripts/exchange-driver/run.cjs). Nothing is looked up in a node_modules/.bin. Changing how new
 * stacks run the driver is this one line; STORED_DRIVER_INVOCATION must keep working whatever it becomes.
 */
export const DRIVER_INVOCATION: string = "node ./scripts/exchange-driver/run.cjs";

/** The Command's create and update. */
export const APPLY_COMMAND = `${DRIVER_INVOCATION} apply`;
/** The Command's delete. */
export const REMOVE_COMMAND = `${DRIVER_INVOCATION} remove`;
