// The fault RATE knob (EXO_SIM_FAULTS transientRate + seed): each cmdlet call fails with Exchange's
// transient server error with the given probability, reproducibly per seed.
import { describe, expect, it } from "vitest";
import { parseFaults } from "../../../scripts/offline-tenant/exchange/knobs";
import { inProcess, newTenant } from "../../support/simulator";

const TRANSIENT = /^A server side error has occurred because of which the operation could not be completed\./;

/** How many of n Get-Mailbox calls failed transiently, in order (true = failed). */
function draws(faults: object, n = 400): boolean[] {
  const c = inProcess(newTenant(), { EXO_SIM_FAULTS: JSON.stringify(faults) });
  expect(c.connect().ok).toBe(true); // connect is never faulted
  return Array.from({ length: n }, () => {
    const r = c.send("Get-Mailbox");
    if (!r.ok) expect(r.error!.message).toMatch(TRANSIENT);
    return !r.ok;
  });
}

describe("transientRate", () => {
  it("fails about that share of the calls", () => {
    for (const rate of [0.1, 0.25, 0.5]) {
      const share = draws({ transientRate: rate }).filter(Boolean).length / 400;
      expect(Math.abs(share - rate), `rate ${rate}: ${share}`).toBeLessThan(0.07);
    }
    expect(draws({ transientRate: 0 }).some(Boolean)).toBe(false);
    expect(draws({ transientRate: 1 }, 20).every(Boolean)).toBe(true);
  });

  it("meets the same faults with the same seed, other faults with another", () => {
    expect(draws({ transientRate: 0.3, seed: 7 })).toEqual(draws({ transientRate: 0.3, seed: 7 }));
    expect(draws({ transientRate: 0.3, seed: 7 })).not.toEqual(draws({ transientRate: 0.3, seed: 8 }));
  });

  it("is restricted by throttleCmdlets", () => {
    const c = inProcess(newTenant(), {
      EXO_SIM_FAULTS: JSON.stringify({ transientRate: 1, throttleCmdlets: ["Get-CASMailbox"] }),
    });
    c.connect();
    expect(c.send("Get-Mailbox").ok).toBe(true);
    expect(c.send("Get-CASMailbox").ok).toBe(false);
  });

  it("refuses a rate outside 0..1 and a seed that is not a whole number, naming the key", () => {
    expect(() => parseFaults('{"transientRate": 1.5}')).toThrow(
      "EXO_SIM_FAULTS.transientRate: 1.5 is not a number from 0 to 1",
    );
    expect(() => parseFaults('{"transientRate": "10%"}')).toThrow("is not a number from 0 to 1");
    expect(() => parseFaults('{"seed": 1.5}')).toThrow(
      "EXO_SIM_FAULTS.seed: 1.5 is not a non-negative integer",
    );
  });
});
