// The engine's state between runs: Pulumi's checkpoint, reduced to what the lifecycle needs. Values
// are kept in Pulumi's wire form (secrets wrapped, graph/wire.ts); on disk every secret is encrypted
// (AES-256-GCM, key from a passphrase with scrypt), as Pulumi's passphrase secrets provider stores
// `{ "4dabf…": "1b47…", "ciphertext": "…" }` — so the saved file never holds a secret in plain text.
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { writeFileAtomic } from "../../state";
import { isSecretValue, SECRET_SIG, SECRET_SIG_KEY } from "../../graph/wire";

export interface ResourceState {
  urn: string;
  type: string;
  name: string;
  custom: boolean;
  /** The provider's id ("" for components). */
  id: string;
  /** Inputs as the program declared them (wire form: secrets wrapped). */
  inputs: Record<string, unknown>;
  /** The provider's outputs (wire form). */
  outputs: Record<string, unknown>;
  parent?: string;
  /** URNs this resource depends on (dependsOn and every resource whose output an input used). */
  dependencies: string[];
  /** The `import` option's id the resource was adopted with. */
  importId?: string;
  /** The resource option, when the program set it. */
  deleteBeforeReplace?: boolean;
  protect?: boolean;
  /** A replaced instance whose delete has not run yet (Pulumi's `delete: true`): deleted by the next run. */
  pendingDelete?: boolean;
}

export interface Checkpoint {
  resources: ResourceState[];
  /** The stack outputs of the last successful run (wire form). */
  outputs: Record<string, unknown>;
}

export const emptyCheckpoint = (): Checkpoint => ({ resources: [], outputs: {} });

interface SavedFile {
  version: 1;
  secretsProvider: "passphrase";
  salt: string;
  checkpoint: unknown;
}

export function keyFor(passphrase: string, salt: Buffer): Buffer {
  return scryptSync(passphrase, salt, 32);
}

export function encrypt(value: unknown, key: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function decrypt(text: string, key: Buffer): unknown {
  const raw = Buffer.from(text, "base64");
  const decipher = createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
}

function mapSecrets(v: unknown, fn: (envelope: Record<string, unknown>) => unknown): unknown {
  if (typeof v !== "object" || v === null) return v;
  if ((v as Record<string, unknown>)[SECRET_SIG_KEY] === SECRET_SIG) return fn(v as Record<string, unknown>);
  if (Array.isArray(v)) return v.map((x) => mapSecrets(x, fn));
  return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mapSecrets(x, fn)]));
}

/** Writes the checkpoint with every secret encrypted (atomic). */
export function saveCheckpoint(path: string, checkpoint: Checkpoint, passphrase: string): void {
  const salt = randomBytes(16);
  const key = keyFor(passphrase, salt);
  const sealed = mapSecrets(checkpoint, (e) => ({
    [SECRET_SIG_KEY]: SECRET_SIG,
    ciphertext: encrypt(isSecretValue(e) ? e.value : undefined, key),
  }));
  const file: SavedFile = {
    version: 1,
    secretsProvider: "passphrase",
    salt: salt.toString("base64"),
    checkpoint: sealed,
  };
  writeFileAtomic(path, JSON.stringify(file, null, 2) + "\n");
}

/** Reads a checkpoint saved by saveCheckpoint (an empty one when the file does not exist). */
export function loadCheckpoint(path: string, passphrase: string): Checkpoint {
  if (!existsSync(path)) return emptyCheckpoint();
  const file = JSON.parse(readFileSync(path, "utf8")) as SavedFile;
  if (file.version !== 1)
    throw new Error(`Reading engine state ${path}: version ${String(file.version)} is not 1`);
  const key = keyFor(passphrase, Buffer.from(file.salt, "base64"));
  try {
    return mapSecrets(file.checkpoint, (e) => ({
      [SECRET_SIG_KEY]: SECRET_SIG,
      value: decrypt(String(e.ciphertext), key),
    })) as Checkpoint;
  } catch (err) {
    throw new Error(
      `Reading engine state ${path}: cannot decrypt its secrets (wrong passphrase?): ${(err as Error).message}`,
    );
  }
}
