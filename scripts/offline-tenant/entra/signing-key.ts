// The offline tenant's token-signing key: RS256 with a `kid`, like Entra's. The token issuer
// signs with it; the mail peers' checker verifies against its public JWKS.
import { exportJWK, generateKeyPair, SignJWT, type JWK, type JWTPayload } from "jose";
import { randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";

export interface SigningKey {
  kid: string;
  privateKey: KeyObject | CryptoKey;
  publicJwk: JWK;
}

export async function createSigningKey(): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = randomUUID().replace(/-/g, "").slice(0, 27);
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" };
  return { kid, privateKey, publicJwk };
}

/** The JWKS document a validator fetches. */
export function publicJwks(...keys: SigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((k) => k.publicJwk) };
}

/**
 * Signs an access token. `claims` must carry what Entra's app tokens carry (aud, iss, tid,
 * appid, oid, sub, roles, iat, nbf, exp, …); this function adds only the header.
 */
export async function signAccessToken(key: SigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: key.kid })
    .sign(key.privateKey);
}
