// Remove known secret values from text before it is surfaced (errors, stderr tails).

const MASK = "***";

/** Replace every occurrence of each secret (and its base64 form) with ***. Short values (< 4 chars) are not masked. */
export function scrubSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  const forms = secrets
    .filter((s) => s.length >= 4)
    .flatMap((s) => [s, Buffer.from(s, "utf8").toString("base64")])
    .sort((a, b) => b.length - a.length);
  for (const s of forms) out = out.split(s).join(MASK);
  return out;
}
