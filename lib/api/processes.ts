import "server-only";
import { z } from "zod";
import { toProcessJson } from "../registry/json";
import type { ListedProcess } from "../registry/types";
import { JsonText } from "./respond";
import type { ProcessQuery } from "../processes/query";
import { withoutValues } from "../auth/role";
import type { Role } from "../auth/session";
import { processes } from "../processes/server";
import { DETAIL_ARGS, MAX_GRACE_SECONDS, STOP_GRACE_SECONDS } from "../processes/status";
import { noRecord } from "../launcher/errors";
import { ValidationError } from "../validation/errors";
import { fieldErrors, launchRequestSchema } from "../validation/launch";

/**
 * GET /api/processes: records newest first (or as sorted), each not yet stopped checked against
 * the system. Each record's arguments are bounded as the detail page bounds them (DETAIL_ARGS,
 * with `argCount` and a warning), unless `full`: one record with 1,000,000 arguments made
 * `?limit=5` answer 12 MB. The record's own URL always has all of them.
 */
export async function listProcesses(query: ProcessQuery, role: Role = "operator", { full = false } = {}): Promise<JsonText> {
  const list = await processes().list(query);
  const way = `${role} ${full}`;
  const records = list.items.map(({ record }) => {
    const kept = record.status === "stopped" ? stoppedJson.get(record) : undefined;
    if (kept && kept.end === record.end && kept.way === way) return kept.text;
    listWork.serialised += 1;
    const text = JSON.stringify(forRole(full ? toProcessJson(record) : listedJson(toProcessJson(record)), role));
    if (record.status === "stopped") stoppedJson.set(record, { end: record.end, way, text });
    return text;
  });
  const head = JSON.stringify({ total: list.total, limit: query.limit, offset: query.offset }).slice(0, -1);
  return new JsonText(`${head},"processes":[${records.join(",")}]}`);
}

/** Records serialised by listings since start: counted by the tests, never timed. */
export const listWork = { serialised: 0 };

/**
 * A stopped record's JSON as last sent, kept while the registry lists it as the same object with
 * the same end: most of a page is such records (AYON's are 3-4 KB of environment each), and
 * serialising them again was a third of the answer's time (issue 36).
 */
const stoppedJson = new WeakMap<ListedProcess, { end: ListedProcess["end"]; way: string; text: string }>();

function listedJson<T extends { hash: string; args: string[]; warnings: string[] }>(record: T): T & { argCount?: number } {
  if (record.args.length <= DETAIL_ARGS) return record;
  const count = record.args.length;
  return {
    ...record,
    args: record.args.slice(0, DETAIL_ARGS),
    argCount: count,
    warnings: [
      ...record.warnings,
      `The first ${DETAIL_ARGS.toLocaleString("en")} of ${count.toLocaleString("en")} arguments are listed; all of them: GET /api/processes/${record.hash}, or the list with ?full=1.`,
    ],
  };
}

/** A record as `role` may see it: a viewer gets the variables' names, never their values. */
export function forRole<T extends { env: Record<string, string> }>(record: T, role: Role): T {
  return role === "viewer" ? { ...record, env: withoutValues(record.env), envHidden: true } : record;
}

export const launchBodySchema = launchRequestSchema.strict();

/** POST /api/processes: validates, launches, returns the new record. */
export async function launchProcess(body: unknown) {
  const parsed = launchBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  return toProcessJson((await processes().launch(parsed.data)).item.record);
}

export const stopBodySchema = z
  .object({
    force: z.boolean().default(false),
    graceSeconds: z.number().min(0).max(MAX_GRACE_SECONDS).default(STOP_GRACE_SECONDS),
  })
  .strict();

export async function stopRecord(hash: string, body: unknown) {
  const parsed = stopBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const result = await processes().stop(hash, { force: parsed.data.force, graceMs: parsed.data.graceSeconds * 1000 });
  return {
    outcome: result.outcome,
    signal: result.signal,
    descendants: result.descendants,
    message: result.message,
    process: result.process,
  };
}

/** GET /api/processes/<hash>: one record checked now, as JSON; null when there is none. */
export async function getProcessJson(hash: string, role: Role = "operator") {
  const item = await processes().get(hash);
  if (!item) throw noRecord();
  return forRole(toProcessJson(item.record), role);
}

/** DELETE /api/processes/:hash: the record and its output file (the process itself is not stopped). */
export async function deleteRecord(hash: string) {
  const { deleted, filesLeftAlone } = await processes().remove(hash);
  if (!deleted) throw noRecord();
  return { deleted: true, hash, filesLeftAlone };
}

/** GET /api/processes/:hash/usage (`history`: its sampled points too). */
export async function recordUsage(hash: string, history: boolean) {
  const usage = await processes().usage(hash, { history });
  if (!usage) throw noRecord();
  return usage;
}
