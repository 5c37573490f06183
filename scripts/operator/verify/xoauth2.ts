// SASL XOAUTH2 (Microsoft: "Authenticate an IMAP, POP or SMTP connection using OAuth"):
// the initial response is base64("user=" + mailbox + "\x01auth=Bearer " + token + "\x01\x01").
// On failure a server may first send an error challenge (base64 JSON); the client answers it
// with an empty line and then gets the final refusal.

// RFC 7628 framing: a control character in a value would end the field early.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const CONTROL = /[\x00-\x1f\x7f]/;

export function xoauth2InitialResponse(mailbox: string, accessToken: string): string {
  if (CONTROL.test(mailbox))
    throw new Error(`XOAUTH2: mailbox ${JSON.stringify(mailbox)} contains control characters`);
  if (CONTROL.test(accessToken)) throw new Error("XOAUTH2: the access token contains control characters");
  return Buffer.from(`user=${mailbox}\x01auth=Bearer ${accessToken}\x01\x01`, "utf8").toString("base64");
}

/** Decodes a server's XOAUTH2 error challenge (e.g. `{"status":"401","schemes":"bearer"}`), or undefined. */
export function decodeErrorChallenge(base64: string): Record<string, unknown> | undefined {
  try {
    const value = JSON.parse(Buffer.from(base64.trim(), "base64").toString("utf8")) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Removes a secret from text that may have echoed it: the token itself, any XOAUTH2 blob
 * carrying it, and a JWT-shaped string. Every client passes server and local error text
 * through this before returning it.
 */
export function redact(text: string, accessToken: string): string {
  let out = text;
  if (accessToken.length >= 8) out = out.split(accessToken).join("[redacted]");
  // base64 XOAUTH2 blobs (long base64 runs) and any JWT-shaped run of three base64url segments.
  out = out.replace(/[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g, "[redacted]");
  out = out.replace(/[A-Za-z0-9+/]{200,}={0,2}/g, "[redacted]");
  return out;
}
