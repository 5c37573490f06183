// The record's compact form (issue 11, item 9): a record the next update and destroy get back in ONE
// environment string (PULUMI_COMMAND_STDOUT, ≤ 128 KiB) stays under that cap up to well past 10,000
// mailboxes, reads back to exactly what was written, and small records stay plain.
import { spawnSync } from "node:child_process";
import { brotliCompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import {
  parseRecord,
  recordLeavesOutBlocked,
  recordTooLarge,
  serializeRecord,
  toRecord,
} from "../../../components/exchange-step/record";
import {
  COMPACT_ENCODING,
  COMPACT_RECORD_SCHEMA,
  PLAIN_RECORD_LIMIT,
  RECORD_LINE_LIMIT,
  encodeEntries,
} from "../../../components/exchange-step/record-compact";
import { seededRandom } from "../../../scripts/offline-tenant/seeded-random";
import type { ManagedState } from "../../../components/exchange-step/state";
import { mailboxProblems } from "../../../components/exchange-step/validate";
import { formatConfigIssues, parseStackConfig } from "../../../components/config";
import { MINIMAL } from "../config/corpus";

const SP = {
  objectId: "33333333-3333-4333-8333-333333333333",
  sid: "S-1-5-21-1111111111-2222222222-3333333333-1234567",
  displayName: "Mail OAuth",
};
const APP = "22222222-2222-4222-8222-222222222222";

/** Addresses shaped like a real directory's: first.last, some with digits, four domains. */
function realistic(n: number, seed = 7): string[] {
  const random = seededRandom(seed);
  const syllables =
    "an ber ca dor el fin ga hol is jor ka lin mar no ol pe qu ro sa ti ul ve wil xa yo ze mc st th ch".split(
      " ",
    );
  const word = (k: number) =>
    Array.from({ length: k }, () => syllables[Math.floor(random() * syllables.length)]).join("");
  const domains = ["contoso.com", "fabrikam.co.uk", "northwindtraders.com", "sales.contoso.com"];
  const out = new Set<string>();
  while (out.size < n) {
    const digits = random() < 0.2 ? String(Math.floor(random() * 100)) : "";
    const domain = domains[random() < 0.7 ? 0 : Math.floor(random() * 4)];
    out.add(`${word(2 + Math.floor(random() * 2))}.${word(2 + Math.floor(random() * 3))}${digits}@${domain}`);
  }
  return [...out];
}

function state(addresses: string[], over: Partial<ManagedState> = {}): ManagedState {
  return {
    appId: APP,
    servicePrincipal: SP,
    mailboxes: addresses.map((address, i) => ({ address, fullAccess: true, sendAs: i % 7 === 0 })),
    ...over,
  };
}

describe("the record the driver prints", () => {
  it("stays the plain exchange-record@1 line, byte for byte, while it takes at most 64 KiB", () => {
    const s = state(realistic(500));
    const line = serializeRecord(s);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(PLAIN_RECORD_LIMIT);
    expect(line).toBe(JSON.stringify(toRecord(s)));
  });

  it("is the compact exchange-record@2 line for 10,000 realistic mailboxes, in under 80 KiB of the 127 KiB it may take, and reads back exactly", () => {
    const s = state(realistic(10_000));
    const line = serializeRecord(s);
    const doc = JSON.parse(line) as { schema: string; mailboxCount: number };
    expect(doc.schema).toBe(COMPACT_RECORD_SCHEMA);
    expect(doc.mailboxCount).toBe(10_000);
    expect(Buffer.byteLength(JSON.stringify(toRecord(s)))).toBeGreaterThan(128 * 1024); // the plain form would not fit
    expect(Buffer.byteLength(line)).toBeLessThan(80 * 1024);
    expect(parseRecord(line)).toEqual(toRecord(s));
  });

  it("keeps blocked protocols, SendAs and FullAccess flags through the compact form", () => {
    const addresses = realistic(3_000);
    const s = state(addresses, {
      blocked: [
        ...addresses.map((mailbox) => ({
          mailbox,
          protocol: "SMTP" as const,
          switch: "TransportConfig.SmtpClientAuthenticationDisabled",
        })),
        { mailbox: addresses[5], protocol: "POP", switch: "PopEnabled" },
      ],
    });
    s.mailboxes[1] = { ...s.mailboxes[1], fullAccess: false, sendAs: true };
    const line = serializeRecord(s);
    expect(JSON.parse(line).schema).toBe(COMPACT_RECORD_SCHEMA);
    expect(parseRecord(line)).toEqual(toRecord(s));
  });

  it("passes through a shell as PULUMI_COMMAND_STDOUT at 10,000 mailboxes, where the plain form gets E2BIG", () => {
    const s = state(realistic(10_000));
    const compact = spawnSync("/bin/sh", ["-c", 'printf %s "$PULUMI_COMMAND_STDOUT" | wc -c'], {
      env: { PULUMI_COMMAND_STDOUT: serializeRecord(s) },
      encoding: "utf8",
    });
    expect(compact.error).toBeUndefined();
    expect(Number(compact.stdout.trim())).toBe(Buffer.byteLength(serializeRecord(s)));
    const plain = spawnSync("/bin/sh", ["-c", "true"], {
      env: { PULUMI_COMMAND_STDOUT: JSON.stringify(toRecord(s)) },
    });
    expect((plain.error as NodeJS.ErrnoException | undefined)?.code).toBe("E2BIG");
  });

  it("is refused when even compact it would not fit", () => {
    expect(recordTooLarge(state(realistic(10_000)))).toBeNull();
    const message = recordTooLarge(state(realistic(30_000)));
    expect(message).toMatch(
      /^the record of 30000 mailboxes would take \d+ bytes even compressed, over the 130048 bytes/,
    );
    expect(message).toContain("PULUMI_COMMAND_STDOUT");
    expect(message).toContain("Split the mailboxes across stacks");
    expect(RECORD_LINE_LIMIT).toBe(130_048);
  });

  it.each([
    ["entries that are not base64", { entries: "%%%" }, /entries is not base64/],
    [
      "entries that do not decompress",
      { entries: Buffer.from("not brotli at all").toString("base64") },
      /entries does not decompress/,
    ],
    [
      "a count that differs from the entries",
      { mailboxCount: 4 },
      /entries lists 3 mailboxes, mailboxCount says 4/,
    ],
    ["an unknown encoding", { encoding: "gzip" }, /encoding "gzip" is not supported/],
  ])("a compact record with %s is refused, saying so", (_name, edit, message) => {
    const r = toRecord(state(realistic(3)));
    const doc = {
      schema: COMPACT_RECORD_SCHEMA,
      appId: r.appId,
      servicePrincipal: r.servicePrincipal,
      mailboxCount: 3,
      blockedCount: 0,
      encoding: COMPACT_ENCODING,
      entries: encodeEntries({ mailboxes: r.mailboxes, blocked: [] }),
    };
    expect(parseRecord(JSON.stringify(doc))).toEqual(r);
    expect(() => parseRecord(JSON.stringify({ ...doc, ...edit }))).toThrow(message);
  });

  it("a compact record is validated as a plain one: an address the driver would not write is refused", () => {
    const doc = {
      schema: COMPACT_RECORD_SCHEMA,
      appId: APP,
      servicePrincipal: SP,
      mailboxCount: 1,
      blockedCount: 0,
      encoding: COMPACT_ENCODING,
      entries: encodeEntries({
        mailboxes: [{ address: "CEO", fullAccess: true, sendAs: false }],
        blocked: [],
      }),
    };
    expect(() => parseRecord(JSON.stringify(doc))).toThrow(
      /mailboxes\[0\]\.address "CEO" is not an email address/,
    );
  });
});

describe("a mailbox list whose record could not come back", () => {
  // Realistic addresses, each listed once: 30,000 of them make a record over the cap even compact.
  const tooMany = realistic(30_000, 11);

  it("is refused by the stack config before anything is touched, naming exo-oauth:mailboxes", () => {
    const result = parseStackConfig({
      stack: "dev",
      values: { ...MINIMAL, mailboxes: tooMany },
      secretKeys: new Set(),
    });
    expect(result.ok).toBe(false);
    const text = result.ok ? "" : formatConfigIssues(result.issues);
    expect(text).toMatch(
      /exo-oauth:mailboxes: the record of 30000 mailboxes would take \d+ bytes even compressed/,
    );
    expect(text).toContain("Split the mailboxes across stacks");
  });

  it("is refused by the component's and the driver's rule too (validate.ts mailboxProblems), and 10,000 pass", () => {
    const problems = mailboxProblems(tooMany.map((address) => ({ address, sendAs: false })));
    expect(problems.map((p) => p.field)).toEqual(["mailboxes"]);
    expect(problems[0].message).toMatch(/^the record of 30000 mailboxes/);
    expect(mailboxProblems(realistic(10_000).map((address) => ({ address, sendAs: true })))).toEqual([]);
  });
});

describe("the compact record line on a terminal", () => {
  it("carries a principal display name's bidi and C1 characters as \\u escapes, as the plain line does, and reads back the same", () => {
    // Exchange's principal keeps the name Entra holds, which the config's rule never saw.
    const s = state(realistic(2_000), {
      servicePrincipal: { ...SP, displayName: "Mail \u202eHTUAO\u202c \u0085OAuth" },
    });
    const line = serializeRecord(s);
    expect(JSON.parse(line).schema).toBe(COMPACT_RECORD_SCHEMA);
    expect(line).not.toMatch(/[\u202e\u202c\u0085]/);
    expect(line).toContain("Mail \\u202eHTUAO\\u202c \\u0085OAuth");
    expect(parseRecord(line)).toEqual(toRecord(s));
  });
});

describe("a record whose blocked protocols would not fit", () => {
  it("leaves the blocked list out rather than print a line the next update and destroy cannot get back (10,000 mailboxes, IMAP, POP and SMTP switched off)", () => {
    // The config's size rule (recordOfMailboxes) counts no blocked protocols: the driver reads them
    // only at run time. With all three switched off for every mailbox the full record would take
    // about 145 KiB, over the 127 KiB PULUMI_COMMAND_STDOUT can hand back.
    const addresses = realistic(10_000);
    const s = state(addresses, {
      blocked: addresses.flatMap((mailbox) => [
        { mailbox, protocol: "IMAP" as const, switch: "ImapEnabled" },
        { mailbox, protocol: "POP" as const, switch: "PopEnabled" },
        { mailbox, protocol: "SMTP" as const, switch: "TransportConfig.SmtpClientAuthenticationDisabled" },
      ]),
    });
    expect(recordTooLarge({ ...s, blocked: undefined })).toBeNull();
    const line = serializeRecord(s);
    expect(Buffer.byteLength(line)).toBeLessThanOrEqual(RECORD_LINE_LIMIT);
    expect(parseRecord(line)).toEqual(toRecord({ ...s, blocked: undefined }));
    expect(recordLeavesOutBlocked(s, line)).toBe(true);
  });

  it("keeps the blocked list whenever it fits (10,000 mailboxes, SMTP switched off tenant-wide)", () => {
    const addresses = realistic(10_000);
    const s = state(addresses, {
      blocked: addresses.map((mailbox) => ({
        mailbox,
        protocol: "SMTP" as const,
        switch: "TransportConfig.SmtpClientAuthenticationDisabled",
      })),
    });
    const line = serializeRecord(s);
    expect(parseRecord(line)?.blocked).toHaveLength(10_000);
    expect(recordLeavesOutBlocked(s, line)).toBe(false);
  });
});

describe("a crafted compact record", () => {
  it("listing one mailbox 700,000 times in a few hundred bytes is refused: the driver never writes an address twice", () => {
    // Brotli packs a repeated line to almost nothing: 700,000 copies fit in about 120 base64
    // characters, under the 16 MiB decode cap, and would each become a read or a revocation.
    const N = 700_000;
    const entries = brotliCompressSync(
      Buffer.from(
        JSON.stringify({ mailboxes: Array(N).fill("0\ta@contoso.com\tF").join("\n"), blocked: [] }),
      ),
    ).toString("base64");
    expect(entries.length).toBeLessThan(400);
    const doc = {
      schema: COMPACT_RECORD_SCHEMA,
      appId: APP,
      servicePrincipal: SP,
      mailboxCount: N,
      blockedCount: 0,
      encoding: COMPACT_ENCODING,
      entries,
    };
    expect(() => parseRecord(JSON.stringify(doc))).toThrow(
      /entries line 2 lists "a@contoso\.com" again: a record lists each mailbox once/,
    );
  });
});
