// The demo's story: ONE simulated tenant's first months on the real code — index.ts under the
// multi-run engine, the real Command string, the driver, fake pwsh and the Exchange simulator, the
// token issuer, the mail peers and `verify`. Each step emits what it did as items (items.ts) and
// checks what it expects; `npm run demo` prints them, the story suite asserts on them
// (test/end-to-end/story.test.ts). Steps build on each other: step n needs steps 1 … n−1.
import { DAY_MS } from "../../../components/rotationSchedule";
import { parseRecord } from "../../../components/exchange-step/record";
import { removeMailboxPermission } from "../exchange/hand-edits";
import { updateState } from "../state";
import { exchangeJob } from "./exchange-job";
import type { Item, PulumiItem, VerifyItem } from "./items";
import { destroy, up } from "./pulumi";
import { addedMailbox, day30Values, otherPrincipal } from "./stack";
import { tenantItem, viewTenant, type StackIds, type TenantView } from "./tenant-view";
import { verifyItem } from "./verify";
import { sendAsMailbox, type World } from "./world";

/** Day 0 of the story: a few hours after a rotation period began (docs/operations.md, "Client secret rotation"). */
export const DAY_0 = "2026-03-22T06:00:00Z";

/** What later steps need from earlier ones. */
export interface StoryMemory {
  ids?: StackIds;
  /** The secret a consumer read on day 0 (a secret: never printed). */
  day0Secret?: string;
  day0SecretExpiresAt?: string;
  /** The tenant as step 1 left it, for destroy's before/after. */
  deployed?: TenantView;
}

export interface StepContext {
  world: World;
  memory: StoryMemory;
  emit(item: Item): void;
  /** A transient progress line before a long operation (a terminal shows it until the next output). */
  progress(text: string): void;
  /** Records an expectation; a false one fails the step (and the demo). */
  check(text: string, ok: boolean, detail?: string): boolean;
}

export interface StoryStep {
  n: number;
  id: string;
  title: string;
  /** The story's clock for the step (ISO 8601), from what the steps before left; set before it runs. */
  clock(world: World, memory: StoryMemory): string;
  run(ctx: StepContext): Promise<void>;
}

const at = (ms: number) => new Date(ms).toISOString().replace(/\.000Z$/, "Z");
const plus = (iso: string, ms: number) => at(Date.parse(iso) + ms);
const HOUR_MS = 3_600_000;

/**
 * Every login passed, or the first that did not. Logins skipped for want of Dovecot are not
 * failures; `note` says how many there were.
 */
function allPassed(v: VerifyItem): { ok: boolean; detail?: string; note: string } {
  const skipped = v.logins.filter((l) => l.result === "skipped").length;
  const note = skipped ? ` (${skipped} IMAP/POP logins skipped: no Dovecot here)` : "";
  const bad = v.logins.find((l) => l.result === "fail");
  if (!v.token.ok) return { ok: false, detail: v.token.cause?.summary, note };
  return bad
    ? { ok: false, detail: `${bad.mailbox} ${bad.protocol}: ${bad.cause?.summary}`, note }
    : { ok: true, note };
}

async function pulumiUp(ctx: StepContext, values: Record<string, unknown>): Promise<PulumiItem> {
  ctx.progress("pulumi up: the program, then the Exchange step…");
  const { item } = await up(ctx.world, values);
  ctx.emit(item);
  ctx.check("pulumi up succeeded", item.ok, item.error);
  return item;
}

function changesOf(item: PulumiItem): string[] {
  return item.changes.map((c) => `${c.op} ${c.type} ${c.name}${c.keys ? ` [${c.keys.join(", ")}]` : ""}`);
}

const day0: StoryStep = {
  n: 1,
  id: "deploy",
  title: "Day 0: the first pulumi up, then verify",
  clock: () => DAY_0,
  async run(ctx) {
    const { world } = ctx;
    ctx.emit({
      type: "note",
      text: `pulumi up with ${world.stack.file.split("/").pop()}: ${world.stack.config.mailboxes.length} mailboxes, protocols ${world.stack.config.protocols.join(", ")}, SendAs on ${sendAsMailbox(world.stack)}`,
    });
    const item = await pulumiUp(ctx, world.stack.values);
    if (!item.ok) return;
    const o = world.outputs;
    const record = parseRecord(JSON.stringify(o.exchangeRecord ?? null));
    const app = world.tenant().entra.applications.find((a) => a.clientId === o.clientId);
    ctx.memory.ids = {
      appId: String(o.clientId),
      appObjectId: app?.objectId ?? "",
      spObjectId: String(o.servicePrincipalObjectId),
      sid: record?.servicePrincipal?.sid ?? "",
    };
    ctx.memory.day0Secret = String(o.clientSecret);
    ctx.memory.day0SecretExpiresAt = String(o.clientSecretExpiresAt);
    ctx.memory.deployed = viewTenant(world.tenant(), ctx.memory.ids, otherPrincipal(world.stack));
    const sp = world.tenant().exchange.servicePrincipals.find((p) => p.AppId === o.clientId);
    ctx.check(
      "Exchange registered the enterprise application's object id (not the app registration's)",
      sp?.Identity === o.servicePrincipalObjectId && sp?.Identity !== app?.objectId,
      `Exchange holds ${sp?.Identity ?? "no service principal"}`,
    );
    const v = await verifyItem(world, { label: "the published secret" });
    ctx.emit(v);
    const all = allPassed(v);
    ctx.check(`every mailbox × protocol logged in${all.note}`, all.ok, all.detail);
    const roles = [...(v.token.claims?.roles ?? [])].sort().join(", ");
    ctx.check(
      "the token carries the three consented roles",
      roles === "IMAP.AccessAsApp, POP.AccessAsApp, SMTP.SendAsApp",
      `roles: ${roles}`,
    );
  },
};

const day30: StoryStep = {
  n: 2,
  id: "config-change",
  title: "Day 30: add a mailbox, take POP off the application",
  clock: () => plus(DAY_0, 30 * DAY_MS),
  async run(ctx) {
    const { world } = ctx;
    const added = addedMailbox(world.stack);
    ctx.emit({
      type: "note",
      text: `config: + mailbox ${added}; protocols [imap, pop, smtp] → [imap, smtp]`,
    });
    const item = await pulumiUp(ctx, day30Values(world.stack));
    if (!item.ok) return;
    const want = [
      "update Application mail-application [requiredResourceAccesses]",
      // The mailbox list is the Command's stdin (not secret: a preview shows it change).
      "update Command exchange-command [stdin]",
      "delete AppRoleAssignment mail-consent-pop",
    ];
    const got = changesOf(item);
    ctx.check(
      "the plan changes exactly the application's roles, the POP consent and the Exchange step",
      JSON.stringify([...got].sort()) === JSON.stringify([...want].sort()),
      got.join("; "),
    );
    const v = await verifyItem(world, { label: "every configured login" });
    ctx.emit(v);
    const all = allPassed(v);
    ctx.check(
      `every configured login passes, ${added} included`,
      all.ok && v.logins.some((l) => l.mailbox === added && l.result === "pass"),
      all.detail,
    );
    const first = world.stack.config.mailboxes[0].address;
    const pop = await verifyItem(world, {
      label: "POP, taken off the application",
      args: ["--mailbox", first, "--protocol", "pop"],
    });
    ctx.emit(pop);
    const refusal = pop.logins[0];
    ctx.check(
      "POP is refused: the token no longer has the POP role",
      refusal?.result === "fail" && refusal.cause?.id === "role-missing",
      refusal?.cause?.summary,
    );
  },
};

const rotation: StoryStep = {
  n: 3,
  id: "rotation",
  title: "Rotation: the clock crosses nextRotationAt",
  // The first scheduled run after the boundary.
  clock: (world) => plus(String(world.outputs.nextRotationAt), 6 * HOUR_MS),
  async run(ctx) {
    const { world, memory } = ctx;
    const next = String(world.outputs.nextRotationAt);
    ctx.emit({
      type: "note",
      text: `the scheduled pulumi up on ${world.clock?.iso()}, after nextRotationAt ${next}`,
    });
    const keyBefore = world.outputs.clientSecretKeyId;
    const item = await pulumiUp(ctx, day30Values(world.stack));
    if (!item.ok) return;
    const got = changesOf(item);
    ctx.check(
      "the run replaces exactly one client secret slot and publishes its secret",
      got.length === 1 &&
        /^replace ApplicationPassword client-secret-[ab]/.test(got[0]) &&
        world.outputs.clientSecretKeyId !== keyBefore,
      got.join("; "),
    );
    const published = await verifyItem(world, { label: "the new published secret" });
    ctx.emit(published);
    const pub = allPassed(published);
    ctx.check(`the new secret gets a token and logs in${pub.note}`, pub.ok, pub.detail);
    const previous = await verifyItem(world, {
      label: `the previous secret, in its overlap (endDate ${memory.day0SecretExpiresAt})`,
      secret: memory.day0Secret,
    });
    ctx.emit(previous);
    const prev = allPassed(previous);
    ctx.check(`a consumer still holding the previous secret keeps working${prev.note}`, prev.ok, prev.detail);
    world.clock?.set(plus(String(memory.day0SecretExpiresAt), 1000));
    ctx.emit({
      type: "note",
      text: `the clock at ${world.clock?.iso()}: past the previous secret's endDate (no pulumi up in between)`,
    });
    const expired = await verifyItem(world, {
      label: "the previous secret, past its endDate",
      secret: memory.day0Secret,
    });
    ctx.emit(expired);
    ctx.check(
      "past its endDate the previous secret is refused with AADSTS7000222",
      !expired.token.ok && /AADSTS7000222/.test(expired.token.cause?.summary ?? ""),
      expired.token.cause?.summary ?? "it still got a token",
    );
  },
};

const handEdit: StoryStep = {
  n: 4,
  id: "hand-edit",
  title: "A hand edit in Exchange: the scheduled plan finds it, apply repairs only that",
  // The morning after step 3's last reading.
  clock: (world) =>
    plus(at(Math.floor(world.clock!.now().getTime() / DAY_MS) * DAY_MS), DAY_MS + 6 * HOUR_MS),
  async run(ctx) {
    const { world, memory } = ctx;
    const ids = memory.ids!;
    const other = otherPrincipal(world.stack);
    const mailbox = sendAsMailbox(world.stack);
    const othersBefore = viewTenant(world.tenant(), ids, other).exchange.othersRows;
    updateState(world.statePath, (s) => removeMailboxPermission(s, mailbox, ids.sid));
    ctx.emit({
      type: "hand-edit",
      text: `an admin runs Remove-MailboxPermission -Identity ${mailbox} -User ${ids.spObjectId} -AccessRights FullAccess (${other.user}'s FullAccess and SendAs on it stay)`,
    });
    const broken = await verifyItem(world, { label: mailbox, args: ["--mailbox", mailbox] });
    ctx.emit(broken);
    ctx.check(
      `${mailbox} no longer opens`,
      broken.logins.some((l) => l.result === "fail"),
      "every login still passed",
    );
    ctx.progress("npm run exchange -- plan…");
    const plan = await exchangeJob(world, "plan");
    ctx.emit(plan);
    ctx.check(
      "the scheduled plan reports exactly that drift (exit 2)",
      plan.exitCode === 2 &&
        plan.stdout.some((l) => l.includes(`grant FullAccess on ${mailbox}`)) &&
        plan.stdout.some((l) => l.startsWith("Plan: 1 to add, 0 to remove,")) &&
        plan.stdout.length === 3,
      `exit ${plan.exitCode}: ${plan.stdout.join(" | ")}`,
    );
    ctx.progress("npm run exchange -- apply…");
    const apply = await exchangeJob(world, "apply");
    ctx.emit(apply);
    ctx.check(
      "apply repairs it with one write",
      apply.exitCode === 0 && apply.writes === 1,
      `exit ${apply.exitCode}, ${apply.writes} writes`,
    );
    const othersAfter = viewTenant(world.tenant(), ids, other).exchange.othersRows;
    ctx.check(
      `${other.user}'s grants on ${mailbox} are untouched`,
      othersAfter === othersBefore,
      `${othersBefore} → ${othersAfter}`,
    );
    const fixed = await verifyItem(world, { label: mailbox, args: ["--mailbox", mailbox] });
    ctx.emit(fixed);
    const ok = allPassed(fixed);
    ctx.check(`${mailbox} opens again${ok.note}`, ok.ok, ok.detail);
  },
};

const teardown: StoryStep = {
  n: 5,
  id: "destroy",
  title: "pulumi destroy: everything the stack made is gone, nothing else",
  clock: (world) => plus(world.clock!.iso(), HOUR_MS),
  async run(ctx) {
    const { world, memory } = ctx;
    const ids = memory.ids!;
    const other = otherPrincipal(world.stack);
    const before = viewTenant(world.tenant(), ids, other);
    const lastSecret = String(world.outputs.clientSecret);
    ctx.progress("pulumi destroy: the Exchange step's removal, then Entra ID…");
    const { item } = await destroy(world);
    ctx.emit(item);
    ctx.check("pulumi destroy succeeded", item.ok, item.error);
    const after = viewTenant(world.tenant(), ids, other);
    ctx.emit(tenantItem("the tenant, read from its state file", after, before, other));
    const deployed = memory.deployed!;
    ctx.check(
      "Entra ID: our application, service principal, client secrets and consents are gone",
      !after.entra.applications.includes(world.stack.config.application.displayName) &&
        after.entra.servicePrincipals.join() ===
          deployed.entra.servicePrincipals
            .filter((n) => n !== world.stack.config.application.displayName)
            .join() &&
        after.entra.passwords === 0 &&
        after.entra.consents === 0,
      JSON.stringify(after.entra),
    );
    ctx.check(
      "Exchange: our service principal and every grant are gone",
      after.exchange.servicePrincipals.length === 0 && after.exchange.ourRows.length === 0,
      `${after.exchange.servicePrincipals.join(", ")} ${after.exchange.ourRows.join(", ")}`,
    );
    ctx.check(
      `nothing else changed: ${other.user}'s grants and every mailbox as before`,
      after.exchange.othersRows === deployed.exchange.othersRows &&
        after.exchange.mailboxes === deployed.exchange.mailboxes,
      `${after.exchange.othersRows}; ${after.exchange.mailboxes}`,
    );
    const gone = await verifyItem(world, {
      label: "after destroy",
      secret: lastSecret,
      args: [
        "--tenant",
        world.stack.config.tenantId,
        "--client-id",
        ids.appId,
        "--mailbox",
        world.stack.config.mailboxes[0].address,
      ],
    });
    ctx.emit(gone);
    ctx.check(
      "the application is unknown to the token endpoint",
      !gone.token.ok && gone.token.cause?.id === "application-not-found",
      gone.token.cause?.summary,
    );
  },
};

export const STORY: readonly StoryStep[] = [day0, day30, rotation, handEdit, teardown];
