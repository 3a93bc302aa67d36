"use server";

import { revalidatePath } from "next/cache";
import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { z } from "zod";
import { told } from "../told";
import { fleet } from "../fleet/hub/server";
import { isFleetName } from "../fleet/hub/names";
import { ALL } from "../processes/query";
import { isAlive, type DisplayStatus } from "../processes/status";
import { peerAddress } from "../http/headers";
import { isProcessHash } from "../registry/hash";
import type { ActionResult } from "./result";
import { parseLaunchForm, type LaunchFormField, type LaunchFormState } from "./launch-form";
import { RemoteRefusal } from "../fleet/hub/fleet";
import { launchAction } from "./processes";
import { stoppedMessage } from "./stopped";

const target = z.object({ host: z.string().refine(isFleetName), hash: z.string().refine(isProcessHash) });

async function who() {
  return { role: "operator" as const, address: peerAddress((await headers()).get("x-forwarded-for")) };
}

/**
 * Waits (at most 4 s) for the host's report that follows an action, so the page shows its
 * outcome rather than the state before it. `done` gets each record's status (null: gone).
 */
async function untilReported(host: string, done: (statusOf: (hash: string) => DisplayStatus | null) => boolean): Promise<void> {
  const deadline = Date.now() + 4_000;
  while (Date.now() < deadline) {
    const list = await fleet()
      .processes({ fresh: true })
      .list({ ...ALL, host });
    const statuses = new Map(list.items.map((i) => [i.view.hash, i.view.status]));
    if (done((hash) => statuses.get(hash) ?? null)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function run(host: string, hash: string, kind: "stop" | "relaunch" | "delete", force = false) {
  if (!target.safeParse({ host, hash }).success) return { ok: false as const, message: "Not a fleet record." };
  try {
    return await fleet().command(host, hash, kind, kind === "stop" ? { force } : {}, await who());
  } catch (error) {
    return { ok: false as const, message: told(error).message };
  }
}

export async function fleetStopAction(host: string, hash: string, force: boolean): Promise<ActionResult> {
  const outcome = await run(host, hash, "stop", force === true);
  if (outcome.ok) {
    await untilReported(host, (statusOf) => {
      const status = statusOf(hash);
      return status === null || !isAlive({ status });
    });
    revalidatePath(`/fleet/${host}/processes/${hash}`);
  }
  return { ok: outcome.ok, message: outcome.message };
}

const targets = z.array(target).min(1, "Nothing selected.").max(500, "Select at most 500 records at once.");

/** The fleet table's "Stop selected": a stop of each record through its host's agent, all at once, each audited. */
export async function fleetStopManyAction(selection: Array<{ host: string; hash: string }>): Promise<ActionResult> {
  const parsed = targets.safeParse(selection);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Not fleet records." };
  const outcomes = await Promise.all(parsed.data.map(({ host, hash }) => run(host, hash, "stop")));
  revalidatePath("/fleet");
  return stoppedMessage(outcomes);
}

export async function fleetRelaunchAction(host: string, hash: string): Promise<ActionResult> {
  const outcome = await run(host, hash, "relaunch");
  if (!outcome.ok) return { ok: false, message: outcome.message };
  const next = String((outcome as { data: Record<string, unknown> }).data.hash ?? "");
  if (!isProcessHash(next)) return { ok: true, message: outcome.message };
  await untilReported(host, (statusOf) => statusOf(next) !== null);
  redirect(`/fleet/${host}/processes/${next}`);
}

export async function fleetDeleteAction(host: string, hash: string): Promise<ActionResult> {
  const outcome = await run(host, hash, "delete");
  if (!outcome.ok) return { ok: false, message: outcome.message };
  await untilReported(host, (statusOf) => statusOf(hash) === null);
  redirect(`/fleet/${host}`);
}

const FORM_FIELDS: ReadonlySet<string> = new Set<LaunchFormField>(["name", "executable", "args", "env", "cwd"]);

/**
 * The hub's launch form: on the workstation picked in it, through its agent (where that
 * workstation allows it; audited), then that record's page once the host reported it. No
 * workstation picked: on the hub's own machine, as the workstation's form does.
 */
export async function fleetLaunchAction(previous: LaunchFormState, form: FormData): Promise<LaunchFormState> {
  const parsed = parseLaunchForm(form);
  if ("errors" in parsed) return parsed;
  const { request, values } = parsed;
  const host = values.host ?? "";
  if (host === "") return launchAction(previous, form);
  if (!isFleetName(host)) return { errors: { host: ["Pick a workstation of the fleet."] }, values };
  let hash: string;
  try {
    hash = (await fleet().launch(host, request, await who())).hash;
  } catch (error) {
    const field = error instanceof RemoteRefusal && error.field && FORM_FIELDS.has(error.field) ? (error.field as LaunchFormField) : "form";
    return { errors: { [field]: [told(error).message] }, values };
  }
  await untilReported(host, (statusOf) => statusOf(hash) !== null);
  revalidatePath("/fleet");
  redirect(`/fleet/${host}/processes/${hash}`);
}

const decision = z.object({ host: z.string().refine(isFleetName), decision: z.enum(["approve", "deny", "readmit"]) });

/** /fleet's buttons for a pending re-enrolment (approve, deny) and a revoked host (readmit); audited. */
export async function fleetHostDecisionAction(host: string, choice: string): Promise<void> {
  const parsed = decision.safeParse({ host, decision: choice });
  if (!parsed.success) return;
  await fleet().decide(parsed.data.host, parsed.data.decision, await who());
  revalidatePath("/fleet");
}
