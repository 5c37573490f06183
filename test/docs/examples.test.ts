// The documentation's examples stay true for the code (docs/development.md, "Documentation tests"):
// - every `yaml` stack-config example in README.md and docs/*.md is a valid config for the parser
//   the program uses (components/config.ts parseStackConfig). A block whose top level is `config:`
//   is a whole stack file; a block of bare `exo-oauth:*` keys is a fragment, checked on top of a
//   minimal valid config; a block marked `<!-- invalid config -->` must be refused, and the
//   `text` block after it must be exactly what the parser prints;
// - README's Layout table names folders that exist, and every top-level folder under scripts/
//   and components/;
// - relative links between the documents point at files that exist.
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { load } from "js-yaml";
import { describe, expect, it } from "vitest";
import { formatConfigIssues, parseStackConfig } from "../../components/config";
import { documentationFiles, fencedBlocks, relativeLinks, ROOT, section, tableRows } from "./markdown";

const PREFIX = "exo-oauth:";
/** What a fragment is checked on top of: the required keys, with the Exchange step run by hand. */
const BASE: Record<string, unknown> = {
  tenantId: "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d",
  organization: "contoso.onmicrosoft.com",
  mailboxes: ["helpdesk@contoso.com"],
  exchange: { connection: "manual" },
};
/** A `secure:` value is ciphertext the CLI decrypts; these stand in for the decrypted value. */
const PFX_STAND_IN = Buffer.from([0x30, 0x82, 0x01, 0x00, 0x02, 0x01, 0x03]).toString("base64");
/** Documents other helpers write in parallel; a link to one may dangle until they land. */
const WRITTEN_ELSEWHERE = new Set([
  "docs/exchange-step.md",
  "docs/pulumi-lifecycle.md",
  "docs/powershell-tier.md",
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);
const isSecure = (v: unknown) => isObject(v) && Object.keys(v).length === 1 && typeof v.secure === "string";

/** `secure:` values replaced by stand-ins; the top-level keys that held one become secret keys. */
function decrypt(values: Record<string, unknown>): { values: Record<string, unknown>; secretKeys: string[] } {
  const secretKeys = new Set<string>();
  const walk = (v: unknown, top: string, field: string): unknown => {
    if (isSecure(v)) {
      secretKeys.add(top);
      return field === "certificate" ? PFX_STAND_IN : "stand-in secret";
    }
    if (Array.isArray(v)) return v.map((x) => walk(x, top, field));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, top, k)]));
    return v;
  };
  const out = Object.fromEntries(Object.entries(values).map(([k, v]) => [k, walk(v, k, k)]));
  return { values: out, secretKeys: [...secretKeys] };
}

function namespaced(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(doc)
      .filter(([k]) => k.startsWith(PREFIX))
      .map(([k, v]) => [k.slice(PREFIX.length), v]),
  );
}

interface ConfigExample {
  file: string;
  line: number;
  kind: "stack file" | "fragment" | "invalid";
  values: Record<string, unknown>;
  secretKeys: string[];
  /** For a stack file: azuread:tenantId, when it sets one. */
  providerTenant?: unknown;
  /** For an invalid example: the `text` block that follows it. */
  printed?: string;
}

function configExamples(): { examples: ConfigExample[]; strays: string[] } {
  const examples: ConfigExample[] = [];
  const strays: string[] = [];
  for (const [file, text] of documentationFiles()) {
    const blocks = fencedBlocks(text);
    blocks.forEach((block, i) => {
      if (block.lang !== "yaml") return;
      const doc = load(block.body);
      const where = { file, line: block.line };
      const invalid = block.marker === "invalid config";
      if (isObject(doc) && isObject(doc.config)) {
        const { values, secretKeys } = decrypt(namespaced(doc.config));
        examples.push({
          ...where,
          kind: invalid ? "invalid" : "stack file",
          values,
          secretKeys,
          providerTenant: doc.config["azuread:tenantId"],
          printed: invalid ? blocks.slice(i + 1).find((b) => b.lang === "text")?.body : undefined,
        });
      } else if (isObject(doc) && Object.keys(doc).some((k) => k.startsWith(PREFIX))) {
        const { values, secretKeys } = decrypt(namespaced(doc));
        examples.push({
          ...where,
          kind: invalid ? "invalid" : "fragment",
          values: invalid ? values : { ...BASE, ...values },
          secretKeys,
          printed: invalid ? blocks.slice(i + 1).find((b) => b.lang === "text")?.body : undefined,
        });
      } else if (block.body.includes(PREFIX)) {
        // Names exo-oauth keys but is neither shape: a broken example would otherwise go unchecked.
        strays.push(`${file}:${block.line}`);
      }
    });
  }
  return { examples, strays };
}

const { examples, strays } = configExamples();
const label = (e: ConfigExample) => `${e.file}:${e.line} (${e.kind})`;
const parse = (e: ConfigExample) =>
  parseStackConfig({ stack: "docs", values: e.values, secretKeys: new Set(e.secretKeys) });

describe("the documentation's stack config examples", () => {
  it("are found in the README and in docs/configuration.md, and none is left unrecognised", () => {
    const files = new Set(examples.map((e) => e.file));
    expect(files).toContain("README.md");
    expect(files).toContain("docs/configuration.md");
    expect(examples.filter((e) => e.kind !== "invalid").length).toBeGreaterThanOrEqual(5);
    expect(strays).toEqual([]);
  });

  it.each(examples.filter((e) => e.kind !== "invalid").map((e) => [label(e), e] as const))(
    "%s is a valid config",
    (_label, e) => {
      const result = parse(e);
      expect(result.ok ? [] : result.issues).toEqual([]);
    },
  );

  it.each(examples.filter((e) => e.kind === "stack file").map((e) => [label(e), e] as const))(
    "%s signs the azuread provider in to the stack's own tenant, when it sets one",
    (_label, e) => {
      if (e.providerTenant !== undefined) expect(e.providerTenant).toBe(e.values.tenantId);
    },
  );

  const invalid = examples.filter((e) => e.kind === "invalid");
  it("include a refused config with the parser's own report", () => {
    expect(invalid.length).toBeGreaterThanOrEqual(1);
  });

  it.each(invalid.map((e) => [label(e), e] as const))(
    "%s is refused with exactly the report shown after it",
    (_label, e) => {
      const result = parse(e);
      expect(result.ok).toBe(false);
      expect(e.printed?.trimEnd()).toBe(result.ok ? "" : formatConfigIssues(result.issues));
    },
  );
});

describe("the README's Layout table", () => {
  const readme = documentationFiles().find(([f]) => f === "README.md")![1];
  const rows = tableRows(section(readme, "Layout"));
  const listed = rows.flatMap((r) => [...r[0].matchAll(/`([^`]+)`/g)].map((m) => m[1]));

  it("has a row for each part of the tree", () => {
    expect(rows.length).toBeGreaterThanOrEqual(8);
    expect(rows.every((r) => r.length >= 3 && r.every((c) => c.length > 0))).toBe(true);
  });

  it.each(listed.map((p) => [p]))("lists %s, which exists", (path) => {
    expect(existsSync(join(ROOT, path))).toBe(true);
  });

  const topFolders = ["scripts", "components"].flatMap((parent) =>
    readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}/`),
  );
  it.each(topFolders.map((p) => [p]))("lists the folder %s", (folder) => {
    expect(listed).toContain(folder);
  });
});

describe("links between the documents", () => {
  const links = [
    ...new Map(
      documentationFiles().flatMap(([file, text]) =>
        relativeLinks(text).map((href) => {
          const target = join(file.startsWith("docs/") ? "docs" : "", href).replace(/\\/g, "/");
          return [`${file} → ${href}`, target] as const;
        }),
      ),
    ),
  ];

  it("exist", () => {
    expect(links.length).toBeGreaterThan(10);
  });

  it.each(links)("%s points at a file that exists", (_label, target) => {
    if (WRITTEN_ELSEWHERE.has(target) && !existsSync(join(ROOT, target))) return;
    expect(existsSync(join(ROOT, target))).toBe(true);
  });
});
