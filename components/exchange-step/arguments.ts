// The ExchangeMailboxAccess component's arguments, checked with the Exchange step's one set of
// rules before the component registers anything (docs/exchange-step.md, "Validation"): every
// problem at once, each naming the argument. Pure.
import { ORGANIZATION_RULE, VALUE_PLACEHOLDER, problemWith } from "./rules";
import {
  connectionProblems,
  itemSuffix,
  mailboxProblems,
  renderProblem,
  type SettingsProblem,
} from "./validate";

/** The arguments this checks, loosely typed: a program may pass anything. */
export interface ArgumentsInput {
  organization?: unknown;
  mailboxes?: unknown;
  exchange?: unknown;
}

const argumentName = (p: SettingsProblem) =>
  p.field === "organization" || p.field === "mailboxes"
    ? `args.${p.field}${itemSuffix(p)}`
    : `args.exchange.${p.field}${itemSuffix(p)}`;

/**
 * Problems with the arguments, as "args.<path>: <problem>". `isServicePrincipal` says whether
 * args.servicePrincipal is an azuread.ServicePrincipal resource (the caller can tell; this file
 * imports no Pulumi).
 */
export function argumentProblems(args: ArgumentsInput, isServicePrincipal: boolean): string[] {
  const out: string[] = [];
  if (!isServicePrincipal)
    out.push(
      "args.servicePrincipal: must be the application's azuread.ServicePrincipal " +
        "(New-ServicePrincipal needs the enterprise application's object id, not the app registration's)",
    );
  const problems: SettingsProblem[] = [];
  const exchange = (
    typeof args.exchange === "object" && args.exchange !== null ? args.exchange : {}
  ) as Record<string, unknown>;
  if (exchange.connection === "manual") {
    const message = problemWith(ORGANIZATION_RULE, args.organization);
    if (message) problems.push({ field: "organization", message, value: args.organization });
  } else {
    problems.push(...connectionProblems({ ...exchange, organization: args.organization }, "encoding"));
  }
  if (Array.isArray(args.mailboxes)) problems.push(...mailboxProblems(args.mailboxes));
  else
    problems.push({
      field: "mailboxes",
      message: `${VALUE_PLACEHOLDER} is not a list of mailboxes`,
      value: args.mailboxes,
    });
  out.push(...problems.map((p) => renderProblem(p, argumentName)));
  return out;
}
