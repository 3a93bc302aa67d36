"use server";

import { revalidatePath } from "next/cache";
import { redirect } from "next/navigation";
import { z } from "zod";
import { LaunchError } from "../launcher/errors";
import { isProcessHash } from "../registry/hash";
import { told } from "../told";
import { processes } from "../processes/server";
import { retentionSummaryChanged } from "../processes/pages";
import { parseLaunchForm, type LaunchFormState } from "./launch-form";
import { describeLeftAlone } from "../registry/left-alone";
import { stoppedMessage } from "./stopped";
import type { ActionResult } from "./result";

export type { ActionResult } from "./result";

const hashSchema = z.string().refine(isProcessHash, "Not a process hash.");
const hashListSchema = z.array(hashSchema).min(1, "Nothing selected.").max(10_000);

const messageOf = (error: unknown) => told(error).message;

/** The launch form: validates, starts the process, then opens its detail page. */
export async function launchAction(_previous: LaunchFormState, form: FormData): Promise<LaunchFormState> {
  const parsed = parseLaunchForm(form);
  if ("errors" in parsed) return parsed;
  const { request, values } = parsed;

  let hash: string;
  try {
    hash = (await processes().launch(request)).record.hash;
  } catch (error) {
    const field = error instanceof LaunchError ? error.field : undefined;
    return { errors: { [field ?? "form"]: [messageOf(error)] }, values };
  }
  revalidatePath("/");
  redirect(`/processes/${hash}`);
}

export async function deleteProcesses(hashes: string[]): Promise<ActionResult> {
  const parsed = hashListSchema.safeParse(hashes);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Invalid selection." };
  try {
    const { deleted: gone, filesLeftAlone } = await processes().remove(parsed.data);
    retentionSummaryChanged();
    revalidatePath("/");
    return { ok: true, message: (gone === 1 ? "Deleted 1 record." : `Deleted ${gone} records.`) + describeLeftAlone(filesLeftAlone) };
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
}

export async function pruneInactive(): Promise<ActionResult & { deleted?: number }> {
  try {
    const { deleted, filesLeftAlone } = await processes().prune();
    retentionSummaryChanged();
    revalidatePath("/");
    return {
      ok: true,
      deleted,
      message: (deleted === 1 ? "Deleted 1 inactive record." : `Deleted ${deleted} inactive records.`) + describeLeftAlone(filesLeftAlone),
    };
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
}

/** The list's "Stop selected": each running record gets a stop of ours (SIGTERM, then SIGKILL after the grace period), all at once. */
export async function stopProcesses(hashes: string[]): Promise<ActionResult> {
  const parsed = hashListSchema.safeParse(hashes);
  if (!parsed.success) return { ok: false, message: parsed.error.issues[0]?.message ?? "Invalid selection." };
  const outcomes = await Promise.allSettled(parsed.data.map((hash) => processes().stop(hash)));
  revalidatePath("/");
  return stoppedMessage(outcomes.map((o) => (o.status === "fulfilled" ? { ok: true } : { ok: false, message: messageOf(o.reason) })));
}

export async function stopAction(hash: string, force: boolean): Promise<ActionResult> {
  if (!hashSchema.safeParse(hash).success) return { ok: false, message: "Not a process hash." };
  try {
    const result = await processes().stop(hash, { force: force === true });
    revalidatePath("/");
    revalidatePath(`/processes/${hash}`);
    return { ok: true, message: result.message };
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
}

export async function relaunchAction(hash: string): Promise<ActionResult> {
  if (!hashSchema.safeParse(hash).success) return { ok: false, message: "Not a process hash." };
  let next: string;
  try {
    next = (await processes().relaunch(hash)).record.hash;
  } catch (error) {
    return { ok: false, message: messageOf(error) };
  }
  revalidatePath("/");
  redirect(`/processes/${next}`);
}

export async function deleteAndLeave(hash: string): Promise<ActionResult> {
  const result = await deleteProcesses([hash]);
  if (!result.ok) return result;
  redirect("/?deleted=1");
}
