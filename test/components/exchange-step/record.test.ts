// The record the driver prints and reads back through PULUMI_COMMAND_STDOUT.
import { describe, expect, it } from "vitest";
import { RECORD_SCHEMA, formatRecord, parseRecord } from "../../../components/exchange-step/record";

const state = {
  appId: "11111111-1111-4111-8111-111111111111",
  servicePrincipal: {
    objectId: "22222222-2222-4222-8222-222222222222",
    sid: "S-1-5-21-1-2-3-4",
    displayName: "Mail",
  },
  mailboxes: [
    { address: "B@contoso.com", fullAccess: true, sendAs: true },
    { address: "a@contoso.com", fullAccess: true, sendAs: false },
  ],
};

describe("the managed-state record", () => {
  it("round-trips through stdout as one JSON line, addresses lower-cased and sorted", () => {
    const text = formatRecord(state);
    expect(text).not.toContain("\n");
    const back = parseRecord(text + "\n");
    expect(back?.schema).toBe(RECORD_SCHEMA);
    expect(back?.mailboxes.map((m) => m.address)).toEqual(["a@contoso.com", "b@contoso.com"]);
    expect(back?.servicePrincipal).toEqual(state.servicePrincipal);
  });

  it("reads an empty or absent previous stdout as nothing managed yet", () => {
    expect(parseRecord(undefined)).toBeNull();
    expect(parseRecord("  \n")).toBeNull();
  });

  it("reads the pretty-printed form `pulumi stack output exchangeRecord --json` writes", () => {
    expect(parseRecord(JSON.stringify(JSON.parse(formatRecord(state)), null, 2))?.mailboxes).toHaveLength(2);
  });

  it("takes the last record line when something else was printed before it", () => {
    expect(parseRecord(`hello\n${formatRecord(state)}`)?.appId).toBe(state.appId);
  });

  it("fails loudly on a stdout that holds no record, rather than forgetting what was granted", () => {
    expect(() => parseRecord("garbage")).toThrow(
      /PULUMI_COMMAND_STDOUT: no line is a exo-oauth\/exchange-record@1/,
    );
    expect(() => parseRecord(JSON.stringify({ schema: "other@9" }))).toThrow(
      /schema "other@9" is not supported/,
    );
    expect(() =>
      parseRecord(
        JSON.stringify({
          schema: RECORD_SCHEMA,
          appId: "x",
          servicePrincipal: null,
          mailboxes: [{ address: "a" }],
        }),
      ),
    ).toThrow(/mailboxes\[0\] must be \{address, fullAccess, sendAs\}/);
  });
});
