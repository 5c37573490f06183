// The diff of a resource's stored inputs against the program's new ones, classified by the providers'
// rules (replace-rules.ts) and the resource options the engine honours (replaceOnChanges, ignoreChanges).
import { ruleFor } from "./replace-rules";

export interface InputDiff {
  /** Changed top-level input keys, sorted. */
  changed: string[];
  /** The changed keys that force a new resource (provider rule or `replaceOnChanges`). */
  replaceKeys: string[];
  /** The changed keys the provider updates in place. */
  updateKeys: string[];
}

/** Unset, null, "", [] and {} are the same to the providers (the bridge reads an unset list back as empty). */
function normalize(v: unknown): unknown {
  if (v === undefined || v === null || v === "") return undefined;
  if (Array.isArray(v)) return v.length ? v.map(normalize) : undefined;
  if (typeof v === "object") {
    const entries = Object.entries(v)
      .map(([k, x]) => [k, normalize(x)] as const)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => a.localeCompare(b));
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return v;
}

export function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalize(a)) === JSON.stringify(normalize(b));
}

/**
 * Compares plain (secret-unwrapped) inputs. Keys starting with `__` are the SDK's and never diffed.
 * Throws when a changed input has no rule (see replace-rules.ts ruleFor).
 */
export function diffInputs(
  type: string,
  olds: Record<string, unknown>,
  news: Record<string, unknown>,
  options: { replaceOnChanges?: string[]; ignoreChanges?: string[] } = {},
): InputDiff {
  const keys = [...new Set([...Object.keys(olds), ...Object.keys(news)])]
    .filter((k) => !k.startsWith("__"))
    .sort();
  const ignored = new Set(options.ignoreChanges ?? []);
  const replaceOnChanges = new Set(options.replaceOnChanges ?? []);
  const diff: InputDiff = { changed: [], replaceKeys: [], updateKeys: [] };
  for (const key of keys) {
    if (ignored.has(key) || sameValue(olds[key], news[key])) continue;
    const rule = ruleFor(type, key);
    if (rule.computed && normalize(news[key]) === undefined) continue; // Optional+Computed left unset: keep
    diff.changed.push(key);
    if (rule.effect === "replace" || replaceOnChanges.has(key) || replaceOnChanges.has("*"))
      diff.replaceKeys.push(key);
    else diff.updateKeys.push(key);
  }
  return diff;
}
