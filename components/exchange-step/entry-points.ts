// The command strings the Exchange Command runs (docs/exchange-step.md, "Stored entry points").
// A Command's create/update/delete strings are stored in the stack's state, and `pulumi destroy`
// (or a delete on update) runs the OLD delete string from whatever checkout is current
// (docs/pulumi-lifecycle.md). So the strings every stack deployed so far holds must keep working
// forever: scripts/exchange/cli.ts stays at its path and forwards to the driver.
// `tsx` comes from the project's own dependencies (`npx --no` never downloads). Pure.

/** What every deployed stack holds: keep this path working forever. */
export const STORED_DRIVER_INVOCATION = "npx --no tsx scripts/exchange/cli.ts";

/**
 * How new Commands invoke the driver. Changing how new stacks run the driver is this one line;
 * STORED_DRIVER_INVOCATION must keep working whatever it becomes.
 */
export const DRIVER_INVOCATION: string = STORED_DRIVER_INVOCATION;

/** The Command's create and update. */
export const APPLY_COMMAND = `${DRIVER_INVOCATION} apply`;
/** The Command's delete. */
export const REMOVE_COMMAND = `${DRIVER_INVOCATION} remove`;
