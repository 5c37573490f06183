// The example stack's placeholders (Pulumi.example.yaml: `<tenant-id>`, `<tenant>.onmicrosoft.com`,
// `helpdesk@<your-domain>`): a value that still holds one is refused as a placeholder, naming what
// belongs there, and no other problem is reported for it — so a copied example can never be
// deployed by accident, and the message says what to do rather than "is not a GUID".

import type { Path, PendingIssue } from "./messages";

/**
 * `<tenant-id>`, `<your-domain>`: a word or words in angle brackets. Not `<helpdesk@contoso.com>`
 * (an address in display-name form, which the address rule refuses with its own message).
 */
const PLACEHOLDER = /<[a-z][a-z0-9 -]*>/i;

/** The placeholders left in the raw values: one issue per value that holds one. */
export function placeholderIssues(values: Record<string, unknown>): PendingIssue[] {
  const out: PendingIssue[] = [];
  const walk = (v: unknown, path: Path) => {
    if (typeof v === "string") {
      const m = PLACEHOLDER.exec(v);
      if (m)
        out.push({
          path,
          message:
            `${JSON.stringify(v)} still holds the placeholder ${m[0]} from Pulumi.example.yaml: ` +
            `replace it with your tenant's value (docs/configuration.md)`,
        });
    } else if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i]));
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, [...path, k]);
  };
  walk(values, []);
  return out;
}

/** Whether `path` is, or lies inside, one of the placeholder issues' paths. */
export function coveredBy(placeholders: readonly PendingIssue[], path: Path): boolean {
  return placeholders.some(
    (p) => p.path.length <= path.length && p.path.every((seg, i) => String(seg) === String(path[i])),
  );
}
