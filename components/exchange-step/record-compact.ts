// The record's compact form, exo-oauth/exchange-record@2 (docs/exchange-step.md, "How big a record
// can be"). @pulumi/command hands the previous stdout back to the next update and to delete in ONE
// environment variable, PULUMI_COMMAND_STDOUT (docs/pulumi-lifecycle.md), and Linux caps one
// environment string at 128 KiB (MAX_ARG_STRLEN = 32 pages): a record of more than about 2,000
// mailboxes in the plain form (@1, about 60 bytes each) would make the shell fail with
// "Argument list too long" on every later update and on destroy. So a record whose plain line is
// over PLAIN_RECORD_LIMIT is printed compact: the mailbox list sorted, front-coded (each address
// keeps the length of the prefix it shares with the one before), Brotli-compressed and base64.
// About 7 bytes a mailbox for realistic addresses, 2 for numbered ones. Small records stay plain
// (readable in `pulumi stack output exchangeRecord`, and byte for byte what earlier versions wrote).
//
// Shape (one JSON line):
//   {"schema":"exo-oauth/exchange-record@2","appId":"…","servicePrincipal":{…}|null,
//    "mailboxCount":10000,"blockedCount":0,"encoding":"front-coded+brotli+base64","entries":"<base64>"}
// `entries` decodes to JSON {"mailboxes":"<lines>","blocked":[[mailbox,protocol,switch],…]}; a line
// is `<shared prefix length>\t<rest of the address>\t<F|S|FS>` (F FullAccess, S SendAs); a blocked
// entry's mailbox is its line's index (0-based) when it is listed, else its address.
import { brotliCompressSync, brotliDecompressSync, constants } from "node:zlib";
import { printableJson } from "../printable";
import type { BlockedProtocol, ManagedMailbox } from "./state";

export const COMPACT_RECORD_SCHEMA = "exo-oauth/exchange-record@2";
export const COMPACT_ENCODING = "front-coded+brotli+base64";

/** A plain (@1) record line up to this many bytes is printed as it is: about 1,000 mailboxes. */
export const PLAIN_RECORD_LIMIT = 64 * 1024;

/**
 * The most a record line may take, in bytes: Linux's MAX_ARG_STRLEN (131,072 bytes, the whole
 * "PULUMI_COMMAND_STDOUT=<record>" string with its NUL) less room for the name and a margin.
 * A desired state whose record would be larger is refused before anything is touched
 * (recordTooLarge).
 */
export const RECORD_LINE_LIMIT = 128 * 1024 - 1024;

/** What a compact record carries besides the shared header fields. */
export interface CompactEntries {
  mailboxes: ManagedMailbox[];
  blocked: BlockedProtocol[];
}

/** Mailboxes (sorted by address, as toRecord sorts them) and blocked entries → the `entries` text. */
export function encodeEntries(entries: CompactEntries): string {
  const index = new Map(entries.mailboxes.map((m, i) => [m.address, i]));
  let previous = "";
  const lines = entries.mailboxes.map((m) => {
    let shared = 0;
    const most = Math.min(previous.length, m.address.length);
    while (shared < most && previous[shared] === m.address[shared]) shared++;
    previous = m.address;
    return `${shared}\t${m.address.slice(shared)}\t${m.fullAccess ? "F" : ""}${m.sendAs ? "S" : ""}`;
  });
  const json = JSON.stringify({
    mailboxes: lines.join("\n"),
    blocked: entries.blocked.map((b) => [index.get(b.mailbox) ?? b.mailbox, b.protocol, b.switch]),
  });
  const packed = brotliCompressSync(Buffer.from(json, "utf8"), {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: 11,
      [constants.BROTLI_PARAM_LGWIN]: 24,
      [constants.BROTLI_PARAM_SIZE_HINT]: Buffer.byteLength(json),
    },
  });
  return packed.toString("base64");
}

/**
 * The `entries` text → mailboxes and blocked entries, unvalidated (record.ts validates them as it
 * validates a plain record). Throws an Error saying what is wrong: not base64, not Brotli, not the
 * JSON above, a line that is not `<n>\t<rest>\t<flags>`, an address listed twice, or a count that
 * differs from `mailboxCount`.
 */
export function decodeEntries(text: string, mailboxCount: number, blockedCount: number): CompactEntries {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) throw new Error("entries is not base64");
  let json: string;
  try {
    json = brotliDecompressSync(Buffer.from(text, "base64"), {
      // A record decodes to about 1 MiB at most (17,000 mailboxes); a larger stream is not one of ours.
      maxOutputLength: 16 * 1024 * 1024,
    }).toString("utf8");
  } catch (err) {
    throw new Error(
      `entries does not decompress (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`,
    );
  }
  let value: { mailboxes?: unknown; blocked?: unknown };
  try {
    value = JSON.parse(json) as typeof value;
  } catch {
    throw new Error("entries does not decode to JSON");
  }
  if (typeof value.mailboxes !== "string" || !Array.isArray(value.blocked))
    throw new Error("entries must decode to {mailboxes: <lines>, blocked: [[mailbox, protocol, switch], …]}");
  const mailboxes: ManagedMailbox[] = [];
  let previous = "";
  const lines = value.mailboxes === "" ? [] : value.mailboxes.split("\n");
  const seen = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const m = /^(\d{1,4})\t([^\t]*)\t(F?S?)$/.exec(line);
    if (!m || Number(m[1]) > previous.length)
      throw new Error(`entries line ${i + 1} is not <shared prefix length>\\t<rest>\\t<F|S|FS>`);
    const address = previous.slice(0, Number(m[1])) + m[2];
    // The driver writes each mailbox once (the config refuses a repeat); a repeated line is the one
    // thing Brotli packs to nothing, so without this check a few hundred bytes could list a mailbox
    // a million times.
    if (seen.has(address))
      throw new Error(
        `entries line ${i + 1} lists ${printableJson(address)} again: a record lists each mailbox once`,
      );
    seen.add(address);
    mailboxes.push({ address, fullAccess: m[3].includes("F"), sendAs: m[3].includes("S") });
    previous = address;
  }
  if (mailboxes.length !== mailboxCount)
    throw new Error(`entries lists ${mailboxes.length} mailboxes, mailboxCount says ${mailboxCount}`);
  const blocked = (value.blocked as unknown[]).map((b, i) => {
    const [who, protocol, name] = Array.isArray(b) ? (b as unknown[]) : [];
    const mailbox =
      typeof who === "string"
        ? who
        : Number.isSafeInteger(who)
          ? mailboxes[who as number]?.address
          : undefined;
    if (
      !Array.isArray(b) ||
      b.length !== 3 ||
      mailbox === undefined ||
      typeof protocol !== "string" ||
      typeof name !== "string"
    )
      throw new Error(`entries blocked[${i}] must be [mailbox index or address, protocol, switch]`);
    return { mailbox, protocol, switch: name } as BlockedProtocol;
  });
  if (blocked.length !== blockedCount)
    throw new Error(`entries lists ${blocked.length} blocked protocols, blockedCount says ${blockedCount}`);
  return { mailboxes, blocked };
}
