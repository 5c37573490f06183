// The warnings the program gives through pulumi.log.warn while a test runs it under mocks. With no
// engine attached, @pulumi/pulumi writes them with console.warn as `warning: [runtime] <message>`
// (log/index.js `warn`); a test that expects one captures it here and asserts it, instead of
// letting it reach npm test's output.
import { vi } from "vitest";

const PREFIX = "warning: [runtime] ";

/** Runs `fn`, capturing the program's warnings (other console.warn output passes through). */
export async function capturingWarnings<T>(fn: () => Promise<T>): Promise<{ result: T; warnings: string[] }> {
  const warnings: string[] = [];
  const original = console.warn.bind(console);
  const spy = vi.spyOn(console, "warn").mockImplementation((...args: unknown[]) => {
    const text = args.map(String).join(" ");
    if (text.startsWith(PREFIX)) warnings.push(text.slice(PREFIX.length));
    else original(...args);
  });
  try {
    return { result: await fn(), warnings };
  } finally {
    spy.mockRestore();
  }
}
