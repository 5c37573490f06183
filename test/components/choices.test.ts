// One rule for enumerated values and misspelt names, shared by the stack config, the driver's
// environment and every tool (components/choices.ts).
import { describe, expect, it } from "vitest";
import { didYouMean, editDistance, matchChoice, suggest } from "../../components/choices";
import { EXCHANGE_CONNECTIONS } from "../../components/exchange-step/settings";
import { PROTOCOLS } from "../../components/microsoft";

describe("enumerated values", () => {
  it("are matched in any letter case and normalised to their one spelling", () => {
    expect(matchChoice("IMAP", PROTOCOLS)).toBe("imap");
    expect(matchChoice(" Smtp ", PROTOCOLS)).toBe("smtp");
    expect(matchChoice("MANAGEDIDENTITY", EXCHANGE_CONNECTIONS)).toBe("managedIdentity");
    expect(matchChoice("ews", PROTOCOLS)).toBeUndefined();
  });

  it("suggest the one meant for a typo, a swap or a missing letter, and nothing for a stranger", () => {
    expect(suggest("imapp", PROTOCOLS)).toBe("imap");
    expect(suggest("smpt", PROTOCOLS)).toBe("smtp");
    expect(suggest("managedIdentiy", EXCHANGE_CONNECTIONS)).toBe("managedIdentity");
    expect(suggest("ews", PROTOCOLS)).toBeUndefined();
    expect(suggest("", PROTOCOLS)).toBeUndefined();
    expect(didYouMean("recrod", ["record", "stack"], (n) => `--${n}`)).toBe(" (did you mean --record?)");
    expect(didYouMean("zzz", ["record"])).toBe("");
  });

  it("count an adjacent swap as one edit", () => {
    expect(editDistance("smpt", "smtp")).toBe(1);
    expect(editDistance("kitten", "sitting")).toBe(3);
  });
});
