// Client secret rotation over three simulated years, through the multi-run engine: the real program
// (index.ts) deploys the demo stack into an offline tenant and `pulumi up` runs on a schedule — daily,
// and weekly — on a simulated clock; the offline token issuer, on the same clock, is asked for a
// token twice a day (just after midnight, before that day's run, and at 23:59:59) with:
// - the PUBLISHED secret (the `clientSecret` output after the latest run): it must get one;
// - after each publish, the PREVIOUSLY published secret, until graceDays after that publish (a
//   consumer that has not re-read yet): it must get one too.
// An outage day is a day on which either fails (docs/operations.md, "Client secret rotation").
import { request, Agent } from "node:https";
import { DAY_MS, GRACE_DAYS } from "../../../../components/rotationSchedule";
import { loadDemoStack } from "../../../offline-tenant/demo/stack";
import { createWorld, type World } from "../../../offline-tenant/demo/world";
import { figure, progress, type Figure } from "../figure";

export const title = "Client secret rotation over 3 simulated years";

const START = Date.parse("2026-01-05T00:00:00Z");
const DAYS = 3 * 365 + 1;
const RUN_AT_MS = (2 * 60 + 17) * 60_000; // 02:17 UTC, the README's cron

/** A token request to the offline issuer: undefined when one was issued, else the AADSTS code. */
async function token(world: World, secret: string, agent: Agent): Promise<string | undefined> {
  const { issuer } = world.services;
  const body = new URLSearchParams({
    grant_type: "client_credentials",
    client_id: String(world.outputs.clientId),
    client_secret: secret,
    scope: "https://outlook.office365.com/.default",
  }).toString();
  return new Promise((resolve, reject) => {
    const req = request(
      `${issuer.url}/${world.stack.config.tenantId}/oauth2/v2.0/token`,
      {
        method: "POST",
        agent,
        ca: issuer.ca,
        headers: { "content-type": "application/x-www-form-urlencoded" },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8").on("data", (d: string) => (text += d));
        res.on("end", () => {
          const j = JSON.parse(text) as { access_token?: string; error_codes?: number[] };
          if (j.access_token) world.secrets.set(j.access_token, "access token");
          resolve(j.access_token ? undefined : `AADSTS${j.error_codes?.[0] ?? "?"}`);
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

interface Outcome {
  runs: number;
  failedRuns: number;
  publishes: number;
  outageDays: string[];
  graceHeld: number;
  control?: string;
}

async function schedule(everyDays: number): Promise<Outcome> {
  const stack = loadDemoStack();
  const grace = stack.config.secret?.graceDays ?? GRACE_DAYS.default;
  const world = await createWorld({ stack, startAt: new Date(START + RUN_AT_MS).toISOString() });
  const agent = new Agent({ keepAlive: true, ca: world.services.issuer.ca });
  const o: Outcome = { runs: 0, failedRuns: 0, publishes: 0, outageDays: [], graceHeld: 0 };
  let previous: { secret: string; until: number; checkedAtEnd: boolean } | undefined;
  try {
    for (let d = 0; d < DAYS; d++) {
      const day = START + d * DAY_MS;
      const problems: string[] = [];
      const check = async (at: number) => {
        world.clock!.set(new Date(at).toISOString());
        const published = await token(world, String(world.outputs.clientSecret), agent);
        if (published) problems.push(`published secret: ${published}`);
        if (previous && at < previous.until) {
          const prev = await token(world, previous.secret, agent);
          if (prev) problems.push(`previous secret within graceDays: ${prev}`);
        }
      };
      if (d > 0) await check(day + 1000);
      if (d % everyDays === 0) {
        world.clock!.set(new Date(day + RUN_AT_MS).toISOString());
        const keyBefore = world.outputs.clientSecretKeyId;
        const secretBefore = world.outputs.clientSecret;
        const r = await world.engine.up({ config: stack.values, now: world.clock!.iso() });
        world.noteSecrets();
        o.runs++;
        if (!r.ok) {
          o.failedRuns++;
          problems.push(`pulumi up failed: ${r.error?.message.split("\n")[0]}`);
        } else {
          world.outputs = r.outputs;
          if (keyBefore !== undefined && r.outputs.clientSecretKeyId !== keyBefore) {
            o.publishes++;
            if (previous && !previous.checkedAtEnd)
              problems.push("a publish before the previous grace was checked");
            previous = {
              secret: String(secretBefore),
              until: day + RUN_AT_MS + grace * DAY_MS,
              checkedAtEnd: false,
            };
          }
        }
      }
      await check(day + DAY_MS - 1000);
      // The last instant of the grace, if it falls within this day.
      if (previous && !previous.checkedAtEnd && previous.until - 1000 < day + DAY_MS) {
        world.clock!.set(new Date(previous.until - 1000).toISOString());
        const prev = await token(world, previous.secret, agent);
        if (prev) problems.push(`previous secret at the end of graceDays: ${prev}`);
        else o.graceHeld++;
        previous.checkedAtEnd = true;
      }
      if (problems.length)
        o.outageDays.push(`${new Date(day).toISOString().slice(0, 10)}: ${problems.join(", ")}`);
      if (d % 180 === 0) progress(`every ${everyDays} day(s): day ${d} of ${DAYS}`);
    }
    // Control: the check can fail — a secret that is not the application's is refused.
    o.control = await token(world, "not-the-secret-000000000000000000000000", agent);
    return o;
  } finally {
    agent.destroy();
    await world.close();
  }
}

export async function run(): Promise<Figure[]> {
  const figures: Figure[] = [];
  for (const [label, every] of [
    ["daily", 1],
    ["weekly", 7],
  ] as const) {
    progress(`pulumi up ${label} for ${DAYS} days`);
    const o = await schedule(every);
    figures.push(
      figure(
        `${label} runs: outage days in 3 years`,
        o.outageDays.length,
        "0",
        o.outageDays.length === 0,
        o.outageDays.length
          ? o.outageDays.slice(0, 2).join("; ")
          : `${o.runs} runs, ${o.publishes} new secrets published`,
      ),
      figure(
        `${label} runs: the previous secret still gets a token at the end of graceDays`,
        `${o.graceHeld}/${o.publishes}`,
        "n/n publishes",
        o.graceHeld === o.publishes && o.publishes > 0,
      ),
      figure(`${label} runs: failed pulumi up runs`, o.failedRuns, "0", o.failedRuns === 0),
      figure(
        `${label} runs, control: a wrong secret is refused by the issuer`,
        o.control ?? "a token",
        "AADSTS7000215",
        o.control === "AADSTS7000215",
      ),
    );
  }
  return figures;
}
