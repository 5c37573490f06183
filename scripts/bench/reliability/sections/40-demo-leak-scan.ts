// A leak scan over every byte the demo prints: the whole story (scripts/offline-tenant/demo) is
// played once, its text output and its JSON document are searched for every secret the run created
// — the admin token, every client secret of every rotation, every access token the issuer handed out.
import { DemoRun } from "../../../offline-tenant/demo/run";
import { figure, progress, type Figure } from "../figure";

export const title = "Secrets in what the demo prints";

export async function run(): Promise<Figure[]> {
  progress("playing the demo's whole story");
  let text = "";
  const demo = await DemoRun.start({ out: (t) => void (text += t) });
  for (let n = 1; n <= demo.last; n++) await demo.step(n);
  const doc = await demo.finish();
  const json = JSON.stringify(doc, null, 2);
  const secrets = [...demo.world.secrets.entries()];
  const leaks = (out: string) => secrets.filter(([value]) => out.includes(value)).map(([, name]) => name);
  const kinds = (prefix: string) => secrets.filter(([, name]) => name.startsWith(prefix)).length;
  const created = `${kinds("the admin token")} admin token, ${kinds("client secret")} client secrets, ${kinds("access token")} access tokens`;
  return [
    figure(
      "the demo's story ran as expected",
      doc.ok ? "5/5 steps" : `${doc.steps.filter((s) => s.ok).length}/5 steps`,
      "5/5",
      doc.ok,
    ),
    figure(
      "secrets found in the text output",
      leaks(text).length,
      "0",
      leaks(text).length === 0,
      `${text.length} bytes; searched for ${created}`,
    ),
    figure(
      "secrets found in the --json document",
      leaks(json).length,
      "0",
      leaks(json).length === 0,
      `${json.length} bytes`,
    ),
  ];
}
