// The bad-config corpus: every config in test/components/config/corpus.ts's BAD_CONFIGS is run
// through the REAL program (index.ts) under the Graph-rules mock, as `pulumi up` would run it, and
// must be refused before any resource is registered or any provider function is invoked. A good
// config runs alongside as the control (the counters do see registrations).
// The corpus is test data; this section reads it by path (scripts/ import nothing else from test/).
import { join } from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import { GraphRulesMock } from "../../../offline-tenant/graph/mock";
import { executeProgram } from "../../../offline-tenant/harness/run-program";
import { newTenantState } from "../../../offline-tenant/state";
import { figure, progress, type Figure } from "../figure";

export const title = "The bad-config corpus";

interface CorpusConfig {
  name: string;
  values: Record<string, unknown>;
  secretKeys?: string[];
}
const CORPUS = join(__dirname, "../../../../test/components/config/corpus");

/** Runs the program with a config; counts what reached the providers. */
async function attempt(
  c: CorpusConfig,
): Promise<{ refused: boolean; registered: number; invoked: number; error?: string }> {
  const graph = new GraphRulesMock({
    state: newTenantState({
      tenantId: String(c.values.tenantId ?? "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d"),
      mailboxes: ["helpdesk@contoso.com"],
    }),
  });
  let registered = 0;
  let invoked = 0;
  const mocks: pulumi.runtime.Mocks = {
    newResource: (args) => (registered++, graph.newResource(args)),
    call: (args) => (invoked++, graph.call(args)),
  };
  try {
    await executeProgram({ mocks, config: c.values, secretKeys: c.secretKeys });
    return { refused: false, registered, invoked };
  } catch (err) {
    return { refused: true, registered, invoked, error: (err as Error).message.split("\n")[0] };
  }
}

export async function run(): Promise<Figure[]> {
  const { BAD_CONFIGS, GOOD_CONFIGS } = (await import(CORPUS)) as {
    BAD_CONFIGS: CorpusConfig[];
    GOOD_CONFIGS: CorpusConfig[];
  };
  progress(`${BAD_CONFIGS.length} bad configs through the program`);
  const leaked: string[] = [];
  let refused = 0;
  for (const c of BAD_CONFIGS) {
    const r = await attempt(c);
    if (r.refused && r.registered === 0 && r.invoked === 0) refused++;
    else
      leaked.push(
        `${c.name}: ${r.refused ? "refused" : "ACCEPTED"}, ${r.registered} registered, ${r.invoked} invoked`,
      );
  }
  const control = await attempt(
    GOOD_CONFIGS.find((c) => (c.values.exchange as { connection?: string })?.connection === "manual") ??
      GOOD_CONFIGS[0],
  );
  return [
    figure(
      "bad configs refused before any resource is registered or function invoked",
      `${refused}/${BAD_CONFIGS.length} (${((100 * refused) / BAD_CONFIGS.length).toFixed(0)} %)`,
      "100 %",
      refused === BAD_CONFIGS.length,
      leaked.length
        ? leaked.slice(0, 3).join("; ")
        : "the program under the Graph-rules mock, as pulumi up runs it",
    ),
    figure(
      "control: a good config registers resources",
      control.registered,
      "> 0 (the counter sees registrations)",
      !control.refused && control.registered > 0,
      control.error,
    ),
  ];
}
