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
