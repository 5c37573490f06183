// Prints one plain closing line, "vitest: N passed, N failed, N skipped", after vitest's own
// summary, so CI (and people) can read the totals without parsing vitest's format.
// A test that was meant to run but did not because its suite failed (a beforeAll that threw, e.g.
// the real PowerShell tier under CI=true without pwsh, test/support/pwsh-tier.ts) is counted as
// failed, not skipped: vitest lists it as skipped, yet nothing was skipped on purpose.
import type { Reporter, TestModule } from "vitest/node";

export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: ReadonlyArray<TestModule>): void {
    let passed = 0;
    let failed = 0;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const state = test.result().state;
        if (state === "passed") passed++;
        else if (state === "failed") failed++;
        else if (test.options.mode === "run" && test.parent.state() === "failed") failed++;
        else skipped++;
      }
      if (mod.state() === "failed" && mod.children.size === 0) failed++; // a file that failed to load
    }
    process.stdout.write(`\nvitest: ${passed} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
