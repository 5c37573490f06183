// Redaction: the ONE helper every part uses before text it did not write itself reaches a
// terminal, a log, an error or a report (docs/security.md, "Secrets"). One mask, REDACTED.
//
//   const redact = createRedactor([clientSecret, certificate]);
//   redact.add(accessToken);                  // secrets learnt later
//   stderr(redact(serverReply));              // exact values, their encodings, long fragments, tokens
//   stderr(redact.tail(pwshStderr, 4000));    // redacts BEFORE cutting, so no secret is split at the cut
//
// What is masked, in this order:
// 1. bearer tokens, known or not, recognised by decoding, never by shape alone: a JWT (three
//    base64url segments whose first decodes to a JSON header with `alg`) and an XOAUTH2 initial
//    response (base64 that decodes to `…auth=Bearer …`); first, so no other mask splits a blob.
//    Exchange's and Entra's diagnostic text (ids, host names, `Ex…|…|…` codes) is left as it is;
// 2. every known secret of at least MIN_SECRET_LENGTH characters, in each form text can carry it:
//    as is, base64, base64url, JSON-string-escaped and URL-encoded;
// 3. any run of at least FRAGMENT_LENGTH characters of a known secret (or of one of its forms),
//    wherever it stands: the part of a certificate or token a tool printed or cut.
// Pure: no Pulumi, no Node APIs beyond Buffer.

/** What replaces each redacted run. */
export const REDACTED = "[redacted]";
/** Known secrets shorter than this are not masked (they would mask ordinary words). */
export const MIN_SECRET_LENGTH = 4;
/** A run this long of a known secret is masked wherever it stands (FRAGMENT_LENGTH characters). */
export const FRAGMENT_LENGTH = 8;

export interface Redactor {
  /** The text with every secret, fragment and token masked. */
  (text: string): string;
  /** Adds a secret learnt after the redactor was made; `undefined` and short values are ignored. */
  add(secret: string | undefined | null): void;
  /** Redacts, then keeps the last `max` characters (a process's stderr tail). */
  tail(text: string, max: number): string;
  /** Redacts, then keeps the first `max` characters. */
  head(text: string, max: number): string;
  /** Whether the text still holds a known secret's form or a long fragment of one (for tests and guards). */
  leaks(text: string): boolean;
}

/** The encodings a secret can travel in through a log, a JSON document or a form post. */
export function secretForms(secret: string): string[] {
  const bytes = Buffer.from(secret, "utf8");
  const forms = new Set<string>([
    secret,
    bytes.toString("base64"),
    bytes.toString("base64").replace(/=+$/, ""),
    bytes.toString("base64url"),
    JSON.stringify(secret).slice(1, -1),
    encodeURIComponent(secret),
  ]);
  return [...forms].filter((f) => f.length >= MIN_SECRET_LENGTH);
}

export function createRedactor(secrets: Iterable<string | undefined | null> = []): Redactor {
  const exact: string[] = [];
  const grams = new Set<string>();

  const add = (secret: string | undefined | null) => {
    if (typeof secret !== "string" || secret.length < MIN_SECRET_LENGTH) return;
    for (const form of secretForms(secret)) {
      if (exact.includes(form)) continue;
      exact.push(form);
      for (let i = 0; i + FRAGMENT_LENGTH <= form.length; i++) grams.add(form.slice(i, i + FRAGMENT_LENGTH));
    }
    exact.sort((a, b) => b.length - a.length);
  };
  for (const s of secrets) add(s);

  const redact = ((text: string) => {
    // Tokens first, on the text as it came: a known secret masked inside an XOAUTH2 blob would
    // split it into pieces that no longer decode, and the rest of the blob would stay.
    let out = redactTokens(text);
    for (const form of exact) if (out.includes(form)) out = out.split(form).join(REDACTED);
    return maskFragments(out, grams);
  }) as Redactor;
  redact.add = add;
  redact.tail = (text, max) => {
    const r = redact(text);
    return r.length > max ? r.slice(r.length - max) : r;
  };
  redact.head = (text, max) => {
    const r = redact(text);
    return r.length > max ? r.slice(0, max) : r;
  };
  redact.leaks = (text) => exact.some((f) => text.includes(f)) || maskFragments(text, grams) !== text;
  return redact;
}

/** One-off redaction with the given secrets (see createRedactor). */
export function redact(text: string, secrets: Iterable<string | undefined | null> = []): string {
  return createRedactor(secrets)(text);
}

function maskFragments(text: string, grams: ReadonlySet<string>): string {
  if (grams.size === 0 || text.length < FRAGMENT_LENGTH) return text;
  const ranges: Array<[number, number]> = [];
  for (let i = 0; i + FRAGMENT_LENGTH <= text.length; i++) {
    if (!grams.has(text.slice(i, i + FRAGMENT_LENGTH))) continue;
    const last = ranges[ranges.length - 1];
    if (last && i <= last[1]) last[1] = i + FRAGMENT_LENGTH;
    else ranges.push([i, i + FRAGMENT_LENGTH]);
  }
  if (ranges.length === 0) return text;
  let out = "";
  let at = 0;
  for (const [from, to] of ranges) {
    out += text.slice(at, from) + REDACTED;
    at = to;
  }
  return out + text.slice(at);
}

const JWT_CANDIDATE = /eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g;
// base64 and base64url alike: a server may echo either, and `-`/`_` must not split a run.
const BASE64_RUN = /[A-Za-z0-9+/_-]{24,}={0,2}/g;

/** Masks bearer tokens nobody told us about, recognised by decoding them (see the file comment). */
export function redactTokens(text: string): string {
  return text
    .replace(JWT_CANDIDATE, (run) => (isJwt(run) ? REDACTED : run))
    .replace(BASE64_RUN, (run) => (isXoauth2Blob(run) ? REDACTED : run));
}

/** A JWT (JWS compact form): its first segment decodes to a JSON object with a string `alg`. */
export function isJwt(text: string): boolean {
  const [header, payload] = text.split(".");
  if (!header || payload === undefined) return false;
  try {
    const h = JSON.parse(Buffer.from(header, "base64url").toString("utf8")) as unknown;
    return typeof h === "object" && h !== null && typeof (h as { alg?: unknown }).alg === "string";
  } catch {
    return false;
  }
}

/** An XOAUTH2 initial client response: base64 of `user=…\x01auth=Bearer <token>\x01\x01`. */
export function isXoauth2Blob(text: string): boolean {
  const decoded = Buffer.from(text, "base64").toString("latin1");
  return /auth=Bearer /i.test(decoded);
}
