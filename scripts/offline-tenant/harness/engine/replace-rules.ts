// Which input changes replace a resource and which update it in place: the providers' OWN rules, one
// row per input, each citing the provider's source (docs/pulumi-lifecycle.md has the same table).
//
// - @pulumi/azuread 6.9.1 bridges terraform-provider-azuread v3.8.0: a schema field with
//   `ForceNew: true` forces a new resource (the bridge's Diff reports it as a replace); every other
//   field the resource can change is updated in place. `Optional + Computed` fields keep their state
//   value when the program leaves them unset (no diff).
// - @pulumi/command 1.2.1 (pulumi-command v1.2.1, built on pulumi-go-provider v1.3.0): Command has an
//   Update, so infer's Diff (infer/resource.go derivedResourceController.Diff) replaces only on fields
//   tagged `provider:"replaceOnChanges"` — `triggers` alone; any other change is an update.
// - pulumi:pulumi:StackReference: the engine's builtin provider (pulumi/pulumi
//   pkg/resource/deploy/builtins.go builtinProvider.Diff) replaces when `name` changes.
// The engine adds the `replaceOnChanges` resource option on top. An input with no row here makes the
// engine fail loudly: a rule nobody read in the provider's source is never guessed.

export type InputEffect = "replace" | "update";

export interface ReplaceRule {
  /** Pulumi input name. */
  input: string;
  effect: InputEffect;
  /** Optional + Computed: unset in the program = keep the state's value (no diff). */
  computed?: boolean;
  /** The provider's schema field and where it is declared (repository path:line @ version). */
  source: string;
}

export interface TypeRules {
  type: string;
  rules: ReplaceRule[];
  /** Whether the provider can import (read an existing object by id). */
  importable: boolean;
  importSource: string;
  /** Output keys the provider marks secret (Sensitive) — the engine wraps them. */
  secretOutputs: string[];
}

const AZUREAD = "hashicorp/terraform-provider-azuread@v3.8.0 internal/services";
const APP = `${AZUREAD}/applications/application_resource.go`;
const SP = `${AZUREAD}/serviceprincipals/service_principal_resource.go`;
const ARA = `${AZUREAD}/approleassignments/app_role_assignment_resource.go`;
const PWD = `${AZUREAD}/applications/application_password_resource.go`;
const CMD = "pulumi/pulumi-command@v1.2.1 provider/pkg/provider";

const upd = (input: string, source: string): ReplaceRule => ({ input, effect: "update", source });
const rep = (input: string, source: string, computed?: boolean): ReplaceRule => ({
  input,
  effect: "replace",
  source,
  ...(computed ? { computed } : {}),
});

export const REPLACE_RULES: readonly TypeRules[] = [
  {
    type: "azuread:index/application:Application",
    rules: [
      upd("displayName", `${APP}:82 "display_name" (no ForceNew)`),
      upd("signInAudience", `${APP}:524 "sign_in_audience" (no ForceNew)`),
      upd("owners", `${APP}:396 "owners" (no ForceNew)`),
      upd("notes", `${APP}:359 "notes" (no ForceNew)`),
      upd("requiredResourceAccesses", `${APP}:481 "required_resource_access" (no ForceNew)`),
      upd("tags", `${APP}:559 "tags" (no ForceNew)`),
      upd("preventDuplicateNames", `${APP}:661 "prevent_duplicate_names" (no ForceNew)`),
      rep("templateId", `${APP}:571 "template_id" ForceNew (:576)`, true),
    ],
    importable: true,
    importSource: `${APP}:56 Importer`,
    secretOutputs: [],
  },
  {
    type: "azuread:index/servicePrincipal:ServicePrincipal",
    rules: [
      rep("clientId", `${SP}:71 "client_id" ForceNew (:75)`),
      upd("accountEnabled", `${SP}:79 "account_enabled" (no ForceNew)`),
      upd("appRoleAssignmentRequired", `${SP}:96 "app_role_assignment_required" (no ForceNew)`),
      upd("notes", `${SP}:188 "notes" (no ForceNew)`),
      upd("owners", `${SP}:205 "owners" (no ForceNew)`),
      upd("tags", `${SP}:223 "tags" (no ForceNew)`),
      upd("useExisting", `${SP}:235 "use_existing" (no ForceNew)`),
    ],
    importable: true,
    importSource: `${SP}:50 Importer`,
    secretOutputs: [],
  },
  {
    type: "azuread:index/appRoleAssignment:AppRoleAssignment",
    rules: [
      rep("appRoleId", `${ARA}:60 "app_role_id" ForceNew (:64)`),
      rep("principalObjectId", `${ARA}:68 "principal_object_id" ForceNew (:72)`),
      rep("resourceObjectId", `${ARA}:76 "resource_object_id" ForceNew (:80)`),
    ],
    importable: true,
    importSource: `${ARA}:39 Importer (id /servicePrincipals/{resourceId}/appRoleAssignedTo/{assignmentId})`,
    secretOutputs: [],
  },
  {
    type: "azuread:index/applicationPassword:ApplicationPassword",
    rules: [
      rep("applicationId", `${PWD}:51 "application_id" ForceNew (:55)`),
      rep("displayName", `${PWD}:59 "display_name" Optional+Computed ForceNew (:64)`, true),
      rep("startDate", `${PWD}:67 "start_date" Optional+Computed ForceNew (:72)`, true),
      rep("endDate", `${PWD}:76 "end_date" Optional+Computed ForceNew (:81)`, true),
      rep("endDateRelative", `${PWD}:86 "end_date_relative" ForceNew (:90)`),
      rep("rotateWhenChanged", `${PWD}:96 "rotate_when_changed" ForceNew (:100)`),
    ],
    importable: false,
    importSource: `${PWD}:28 applicationPasswordResource() declares no Importer`,
    secretOutputs: ["value"], // ${PWD}:112 "value" Sensitive (:116)
  },
  {
    type: "command:local:Command",
    rules: [
      rep("triggers", `${CMD}/common/inputs.go:10 Triggers \`provider:"replaceOnChanges"\``),
      upd("create", `${CMD}/common/inputs.go:12 Create`),
      upd("update", `${CMD}/common/inputs.go:13 Update`),
      upd("delete", `${CMD}/common/inputs.go:14 Delete`),
      upd("stdin", `${CMD}/local/base.go:25 Stdin`),
      upd("logging", `${CMD}/local/base.go:26 Logging`),
      upd("interpreter", `${CMD}/local/base.go:27 Interpreter`),
      upd("dir", `${CMD}/local/base.go:28 Dir`),
      upd("environment", `${CMD}/local/base.go:29 Environment`),
      upd("assetPaths", `${CMD}/local/base.go:30 AssetPaths`),
      upd("archivePaths", `${CMD}/local/base.go:31 ArchivePaths`),
      upd("addPreviousOutputInEnv", `${CMD}/local/base.go:32 AddPreviousOutputInEnv`),
    ],
    importable: false,
    importSource: `${CMD}/local/commandController.go: no Read (infer's default Read echoes the state)`,
    secretOutputs: [], // every output depends on every input (commandController.go:59-64): secret if any input is
  },
  {
    type: "pulumi:pulumi:StackReference",
    rules: [
      rep("name", "pulumi/pulumi pkg/resource/deploy/builtins.go builtinProvider.Diff (name → ReplaceKeys)"),
    ],
    importable: false,
    importSource:
      'pulumi/pulumi pkg/resource/deploy/builtins.go builtinProvider.Read ("stack reference can not be imported")',
    secretOutputs: [],
  },
];

/** The rules of one type; throws naming the type when the table has none. */
export function rulesFor(type: string): TypeRules {
  const t = REPLACE_RULES.find((r) => r.type === type);
  if (!t)
    throw new Error(
      `The engine has no replace rules for ${type}: add its inputs to harness/engine/replace-rules.ts, each citing the provider's schema`,
    );
  return t;
}

/** One input's rule; throws naming the type and input when the table has no row for it. */
export function ruleFor(type: string, input: string): ReplaceRule {
  const rule = rulesFor(type).rules.find((r) => r.input === input);
  if (!rule)
    throw new Error(
      `The engine has no replace rule for input "${input}" of ${type}: read the provider's schema and add a row ` +
        `to harness/engine/replace-rules.ts (ForceNew → replace, otherwise update)`,
    );
  return rule;
}
