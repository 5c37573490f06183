// The shapes of the identifiers exo-oauth handles, in ONE place: the stack config, the Command ⇄
// driver contract, the operator tools and the offline tenant's doubles all test values with these
// predicates, so a value one part accepts is never refused by another (docs/exchange-step.md,
// "Validation"). Pure: no Pulumi, no Node APIs, so the program, the driver and the tools share it.

/** An Entra ID object or application id: 8-4-4-4-12 hex digits, any letter case. */
export const GUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** A GUID used in messages as an example of the shape (not any real tenant's id). */
export const EXAMPLE_GUID = "2ea4955d-830e-4aa7-8ab5-661a6b9aa84d";
/** The words messages use for the GUID shape. */
export const GUID_SHAPE = `8-4-4-4-12 hex digits, e.g. ${EXAMPLE_GUID}`;

export function isGuid(value: string): boolean {
  return GUID_PATTERN.test(value);
}

/**
 * A mailbox's primary SMTP address, as the stack accepts it: a local part without spaces, quotes,
 * angle brackets or the other RFC 5322 specials, `@`, and a dotted host name of letters, digits and
 * hyphens. Deliberately plainer than RFC 5322 (no quoted local parts, no address literals):
 * Exchange Online's primary addresses fit it. Compared in lower case (`normaliseAddress`).
 */
export const ADDRESS_PATTERN =
  /^[^\s@"<>(),;:\\[\]]+@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/i;

export function isMailboxAddress(value: string): boolean {
  return ADDRESS_PATTERN.test(value);
}

/** The form every part compares and stores addresses in. */
export function normaliseAddress(value: string): string {
  return value.trim().toLowerCase();
}

/**
 * A DNS domain name of two or more labels (a tenant's verified domain such as contoso.com, or its
 * initial domain): the host part of ADDRESS_PATTERN, with DNS's 63-character label limit.
 */
export const DOMAIN_PATTERN =
  /^(?=.{1,253}$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;

export function isDomainName(value: string): boolean {
  return DOMAIN_PATTERN.test(value);
}

/**
 * The tenant's initial domain, `<name>.onmicrosoft.com` (Connect-ExchangeOnline -Organization):
 * one DNS label under onmicrosoft.com, not `contoso.mail.onmicrosoft.com`.
 */
export const ORGANIZATION_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?\.onmicrosoft\.com$/i;

export function isInitialDomain(value: string): boolean {
  return ORGANIZATION_PATTERN.test(value);
}

/** A POSIX environment variable name: letters, digits and `_`, not starting with a digit. */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isEnvName(value: string): boolean {
  return ENV_NAME_PATTERN.test(value);
}
