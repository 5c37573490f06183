// A deployed stack as the fake pulumi CLI (scripts/offline-tenant/pulumi-cli/) reads it: the outputs of
// its last update, saved as the multi-run engine saves them (secrets encrypted with the passphrase),
// in a fresh project folder; and the environment a tool needs to find it (the fake first on PATH).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import type { StackOutputValues } from "../../components/outputs";
import { secretValue } from "../../scripts/offline-tenant/graph/wire";
import { saveCheckpoint } from "../../scripts/offline-tenant/harness/engine/checkpoint";
import { FAKE_PULUMI_DIR, HOME_ENV, statePath } from "../../scripts/offline-tenant/pulumi-cli/fake-pulumi";

export const PASSPHRASE = "fake-stack-passphrase";

export interface FakeProject {
  home: string;
  /** Saves `outputs` as stack `stack`'s last update (clientSecret as a secret). */
  deploy(stack: string, outputs: Partial<StackOutputValues>): void;
  /** PATH with the fake pulumi first, the project folder, the passphrase; plus `extra`. */
  env(extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  cleanup(): void;
}

export function fakeProject(): FakeProject {
  const home = mkdtempSync(join(tmpdir(), "exo-oauth-fake-stack-"));
  return {
    home,
    deploy(stack, outputs) {
      const wire: Record<string, unknown> = { ...outputs };
      if (outputs.clientSecret !== undefined) wire.clientSecret = secretValue(outputs.clientSecret);
      saveCheckpoint(statePath(home, stack), { resources: [], outputs: wire }, PASSPHRASE);
    },
    env: (extra = {}) => ({
      PATH: [FAKE_PULUMI_DIR, process.env.PATH].join(delimiter),
      HOME: process.env.HOME,
      [HOME_ENV]: home,
      PULUMI_CONFIG_PASSPHRASE: PASSPHRASE,
      ...extra,
    }),
    cleanup: () => rmSync(home, { recursive: true, force: true }),
  };
}
