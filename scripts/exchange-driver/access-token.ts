// The access token a pipeline hands the driver (exo-oauth:exchange.accessTokenEnv names its
// variable): checked to LOOK like one before it reaches PowerShell, and never echoed. Exchange
// Online's app-only tokens are JWTs in JWS compact form (RFC 7519 §3, RFC 7515 §7.1): three
// base64url segments separated by '.', the first a JSON header carrying `alg`
// (docs/microsoft-contract.md, "Connecting without a person": `-AccessToken <JWT>`). A value that is not one (a variable that was
// meant for something else, a path, a client secret) is refused naming the variable only.
import { isJwt } from "../../components/redact";

const JWS_COMPACT = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

/** undefined when `token` looks like a JWT; else why not, without any part of the value. */
export function accessTokenProblem(token: string): string | undefined {
  if (JWS_COMPACT.test(token) && isJwt(token)) return undefined;
  return (
    `does not hold an access token (its ${token.length} characters are not shown): expected a JWT, ` +
    "three base64url segments separated by '.', the first a JSON header with \"alg\"; " +
    "put the token for https://outlook.office365.com in it (e.g. az account get-access-token --resource https://outlook.office365.com)"
  );
}
