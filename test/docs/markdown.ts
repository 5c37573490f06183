// Just enough Markdown reading for the documentation tests: fenced code blocks (with the HTML
// comment, if any, on the line right before the fence) and pipe tables under a heading.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

export const ROOT = join(__dirname, "../..");

/** README.md and every docs/*.md, as [repository path, text]. */
export function documentationFiles(): [string, string][] {
  const docs = readdirSync(join(ROOT, "docs"))
    .filter((f) => f.endsWith(".md"))
    .sort()
    .map((f) => `docs/${f}`);
  return ["README.md", ...docs].map((path) => [path, readFileSync(join(ROOT, path), "utf8")]);
}

export interface FencedBlock {
  /** The info string's first word (`yaml`, `bash`, `text`, …). */
  lang: string;
  body: string;
  /** The HTML comment on the last non-blank line above the fence, without `<!--` `-->`, if any. */
  marker?: string;
  /** 1-based line of the opening fence. */
  line: number;
}

/** Every fenced (```) block, in order. Fences inside other fences are not expected in our docs. */
export function fencedBlocks(text: string): FencedBlock[] {
  const lines = text.split("\n");
  const blocks: FencedBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)/.exec(lines[i]);
    if (!open) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]); i++) body.push(lines[i]);
    let prev = start - 1;
    while (prev >= 0 && lines[prev].trim() === "") prev--;
    const above = prev >= 0 ? /^<!--\s*(.*?)\s*-->\s*$/.exec(lines[prev]) : null;
    blocks.push({
      lang: open[1],
      body: body.join("\n") + "\n",
      ...(above ? { marker: above[1] } : {}),
      line: start + 1,
    });
  }
  return blocks;
}

/** The text from the heading `## <title>` to the next heading of the same or a higher level. */
export function section(text: string, title: string): string {
  const lines = text.split("\n");
  const at = lines.findIndex((l) => /^#{1,6} /.test(l) && l.replace(/^#+ /, "").trim() === title);
  if (at < 0) return "";
  const level = /^#+/.exec(lines[at])![0].length;
  const end = lines.findIndex((l, i) => i > at && /^#{1,6} /.test(l) && /^#+/.exec(l)![0].length <= level);
  return lines.slice(at + 1, end < 0 ? undefined : end).join("\n");
}

/** The body rows of the first pipe table in `text`, as trimmed cells (header and rule dropped). */
export function tableRows(text: string): string[][] {
  const rows = text
    .split("\n")
    .filter((l) => /^\|.*\|\s*$/.test(l.trim()))
    .map((l) =>
      l
        .trim()
        .slice(1, -1)
        .split(/(?<!\\)\|/)
        .map((c) => c.trim()),
    );
  return rows.slice(2);
}

/** Relative Markdown links `[text](path)` that are not URLs or in-page anchors, without their `#anchor`. */
export function relativeLinks(text: string): string[] {
  return [...text.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1])
    .filter((href) => !/^[a-z]+:/i.test(href) && !href.startsWith("#"))
    .map((href) => href.split("#")[0]);
}
