// Secretness of outputs and the plain view of a state entry a provider gets.
import { containsSecret, secretValue, unwrapSecrets } from "../../graph/wire";
import type { ResourceState } from "./checkpoint";
import type { ProviderResource } from "./providers";
import { rulesFor } from "./replace-rules";

export const COMMAND_TYPE = "command:local:Command";

/** Secret outputs: the provider's Sensitive fields, and any output named like a secret input. */
export function wrapOutputs(
  type: string,
  outputs: Record<string, unknown>,
  wireInputs: Record<string, unknown>,
) {
  const secret = new Set(rulesFor(type).secretOutputs);
  for (const [k, v] of Object.entries(wireInputs)) if (containsSecret(v)) secret.add(k);
  // @pulumi/command: every output depends on every input (commandController.go WireDependencies note).
  const all = type === COMMAND_TYPE && Object.values(wireInputs).some(containsSecret);
  return Object.fromEntries(
    Object.entries(outputs).map(([k, v]) => [
      k,
      k in wireInputs && containsSecret(wireInputs[k])
        ? wireInputs[k]
        : all || secret.has(k)
          ? secretValue(v)
          : v,
    ]),
  );
}

export function plain(r: ResourceState): ProviderResource {
  return {
    type: r.type,
    name: r.name,
    id: r.id,
    inputs: unwrapSecrets(r.inputs) as Record<string, unknown>,
    outputs: unwrapSecrets(r.outputs) as Record<string, unknown>,
  };
}
