import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // Each test file loads the Pulumi program with its own mocks and config: keep files isolated.
    pool: "forks",
    // One file more than there are cores: most files spend their time waiting on child processes
    // (pwsh, Dovecot, the tools run as a user runs them), which vitest's default (cores - 1: ONE
    // file at a time on CI's 2 cores) leaves idle. Measured on 2 cores: 743 s at 1, 399 s at 3
    // (docs/development.md, "CI").
    maxWorkers: availableParallelism() + 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
