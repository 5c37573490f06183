// Enumerated values and misspelt names, one rule everywhere: the stack config (protocols,
// exchange.connection), the Exchange driver's environment, and every tool's options and
// subcommands use these two functions (docs/operations.md, "Command line").
//
// - An enumerated VALUE is accepted in any letter case and normalised to its one spelling:
//   `IMAP` → `imap`, `managedidentity` → `managedIdentity` (matchChoice).
// - A name that matches nothing gets the closest allowed one, when it is close enough to be the
//   one meant: "did you mean imap?" (suggest). One edit distance (Damerau: a swap of two adjacent
//   letters counts as one edit), compared in lower case.
// Pure: no Node APIs.

/** The allowed value `value` names, in any letter case (surrounding blanks ignored); undefined if none. */
export function matchChoice<T extends string>(value: string, allowed: readonly T[]): T | undefined {
  const v = value.trim().toLowerCase();
  return allowed.find((a) => a.toLowerCase() === v);
}

/** The allowed name closest to a mistyped one, if it is close enough to be the one meant. */
export function suggest(word: string, allowed: readonly string[]): string | undefined {
  const k = word.trim().toLowerCase();
  if (k === "") return undefined;
  let best: { name: string; d: number } | undefined;
  for (const name of allowed) {
    const d = editDistance(k, name.toLowerCase());
    if (d <= Math.max(2, Math.floor(name.length / 4)) && d < name.length && (!best || d < best.d))
      best = { name, d };
  }
  return best?.name;
}

/** " (did you mean imap?)" when one is close, else "". */
export function didYouMean(word: string, allowed: readonly string[], show = (s: string) => s): string {
  const hint = suggest(word, allowed);
  return hint === undefined ? "" : ` (did you mean ${show(hint)}?)`;
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[a.length][b.length];
}
