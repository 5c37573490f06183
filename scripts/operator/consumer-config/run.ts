// `npm run consumer-config` with the pulumi CLI injected. Exit 0 written; 64 a bad command line
// (--include-secret without --out); 78 a stack that cannot be read, lacks outputs, or a file that
// cannot be written. The secret is registered with the kit's redactor, so no error message shows it.
import { didYouMean, matchChoice } from "../../../components/choices";
import type { StackOutputsJson } from "../../../components/outputs";
import { flagValue, stringValue } from "../../cli/args";
import { InputError, UsageError } from "../../cli/errors";
import { EXIT } from "../../cli/exit-codes";
import { pulumiJson, type RunPulumi } from "../../cli/pulumi";
import { runTool, type ToolIO } from "../../cli/run";
import { printable } from "../../cli/terminal";
import { FORMATS, render, type Format } from "./formats";
import { consumerSettings } from "./settings";
import { CONSUMER_CONFIG_SCHEMA, CONSUMER_CONFIG_SPEC } from "./spec";
import { writePrivateFile } from "./write";

export function runConsumerConfig(
  argv: readonly string[],
  io: ToolIO,
  deps: { runPulumi: RunPulumi; writeFile?: (path: string, text: string) => void },
): Promise<number> {
  return runTool(
    { spec: CONSUMER_CONFIG_SPEC, schema: () => CONSUMER_CONFIG_SCHEMA },
    argv,
    io,
    async (inv) => {
      const problems: string[] = [];
      const formatText = stringValue(inv.values, "format");
      let format: Format | undefined;
      if (formatText === undefined) problems.push(`--format is required: ${FORMATS.join(", ")}`);
      else {
        format = matchChoice(formatText, FORMATS);
        if (!format)
          problems.push(
            `--format "${printable(formatText)}" is not one of ${FORMATS.join(", ")}${didYouMean(formatText, FORMATS)}`,
          );
      }
      const includeSecret = flagValue(inv.values, "include-secret");
      const out = stringValue(inv.values, "out");
      if (includeSecret && out === undefined)
        problems.push(
          "--include-secret puts the client secret in the output: give --out <file> (created with mode 0600), or --out - to print it on stdout",
        );
      if (problems.length > 0 || !format) throw new UsageError(problems);
      const stackOption = stringValue(inv.values, "stack");
      const stack = stackOption ?? "<the selected stack>";
      const outputs = (await pulumiJson(
        deps.runPulumi,
        [
          "stack",
          "output",
          "--json",
          ...(includeSecret ? ["--show-secrets"] : []),
          ...(stackOption ? ["--stack", stackOption] : []),
        ],
        { env: io.env, stack, what: `the outputs of stack ${stack}` },
      )) as StackOutputsJson;
      if (typeof outputs.clientSecret === "string") inv.redact.add(outputs.clientSecret);
      const r = consumerSettings(outputs ?? {}, includeSecret);
      if (!r.ok)
        throw new InputError(
          `Reading the outputs of stack ${printable(stack)}: ${r.missing.join(", ")} missing or not valid. ` +
            "Has the stack been deployed with this version? Run `pulumi up` first, or pick the stack with --stack.",
        );
      const bad = r.settings.mailboxes.map((m) => m.address).filter((a) => /[[\]\r\n;]/.test(a));
      if (format === "email-oauth2-proxy" && bad.length > 0)
        throw new InputError(
          `Writing email-oauth2-proxy's INI: the mailbox address(es) ${bad.map((a) => `"${printable(a)}"`).join(", ")} hold [, ], ; or a line break, which an INI section name cannot; use another --format`,
        );
      const text = render(format, r.settings);
      if (out === undefined || out === "-") io.stdout(text);
      else {
        try {
          (deps.writeFile ?? writePrivateFile)(out, text);
        } catch (err) {
          throw new InputError(
            `Writing --out ${printable(out)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}; give a path in a folder you can write to`,
          );
        }
        io.stderr(
          `Wrote ${printable(out)} (${format}, mode 0600${includeSecret ? ", holds the client secret" : ""})\n`,
        );
      }
      return { exitCode: EXIT.ok };
    },
  );
}
