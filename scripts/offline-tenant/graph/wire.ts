// Pulumi's wire form of a secret value, as the SDK sends it to the resource monitor and as a mock
// receives it (@pulumi/pulumi runtime/rpc.ts `specialSigKey` / `specialSecretSig`). One home for
// wrapping and unwrapping, used by the Graph-rules mock and by the multi-run engine's state.

export const SECRET_SIG_KEY = "4dabf18193072939515e22adb298388d";
export const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";

/** A value wrapped as a Pulumi secret: `{ "4dabf…": "1b47…", value }`. */
export interface SecretEnvelope {
  [SECRET_SIG_KEY]: typeof SECRET_SIG;
  value: unknown;
}

export function isSecretValue(v: unknown): v is SecretEnvelope {
  return typeof v === "object" && v !== null && (v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG;
}

/** Wraps `value` as a Pulumi secret (idempotent: an envelope is returned as it is). */
export function secretValue(value: unknown): SecretEnvelope {
  return isSecretValue(value) ? value : { [SECRET_SIG_KEY]: SECRET_SIG, value };
}

/** Unwraps Pulumi secret envelopes anywhere in a value. */
export function unwrapSecrets(v: unknown): unknown {
  if (isSecretValue(v)) return unwrapSecrets(v.value);
  if (Array.isArray(v)) return v.map(unwrapSecrets);
  if (typeof v === "object" && v !== null)
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrapSecrets(x)]));
  return v;
}

/** Whether a secret envelope occurs anywhere in a value. */
export function containsSecret(v: unknown): boolean {
  if (isSecretValue(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (typeof v === "object" && v !== null) return Object.values(v).some(containsSecret);
  return false;
}
