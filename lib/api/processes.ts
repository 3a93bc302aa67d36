import { decimalInt } from "../validation/query";
import "server-only";
import { z } from "zod";
import { launch, stopProcess } from "../launcher";
import { toProcessJson } from "../registry/json";
import { getRegistry } from "../server/registry";
import { fieldErrors, launchRequestSchema } from "../validation/launch";

export const listQuerySchema = z.object({
  status: z.enum(["all", "running", "stopped"]).default("all"),
  q: z.string().max(500).default(""),
  limit: decimalInt(1, 10_000).default(100),
  offset: decimalInt().default(0),
});

/** GET /api/processes: records newest first, each not yet stopped checked against the system. */
export async function listProcesses(query: z.output<typeof listQuerySchema>) {
  const registry = await getRegistry();
  let records = await registry.list();
  if (query.status === "running") records = records.filter((r) => r.status !== "stopped");
  if (query.status === "stopped") records = records.filter((r) => r.status === "stopped");
  const needle = query.q.trim().toLowerCase();
  if (needle) {
    records = records.filter(
      (r) =>
        r.name.toLowerCase().includes(needle) ||
        r.executable.toLowerCase().includes(needle) ||
        r.args.some((a) => a.toLowerCase().includes(needle)) ||
        r.hash.startsWith(needle),
    );
  }
  return {
    total: records.length,
    limit: query.limit,
    offset: query.offset,
    processes: records.slice(query.offset, query.offset + query.limit).map(toProcessJson),
  };
}

export const launchBodySchema = launchRequestSchema.strict();

export class ValidationError extends Error {
  constructor(readonly fields: Record<string, string[]>) {
    super(
      Object.entries(fields)
        .map(([field, messages]) => `${field}: ${messages.join(" ")}`)
        .join("; "),
    );
    this.name = "ValidationError";
  }
}

/** POST /api/processes: validates, launches, returns the new record. */
export async function launchProcess(body: unknown, baseDir: string) {
  const parsed = launchBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const launched = await launch(await getRegistry(), parsed.data, { baseDir });
  return toProcessJson(launched.record.withStatus("running"));
}

export const stopBodySchema = z
  .object({
    force: z.boolean().default(false),
    graceSeconds: z.number().min(0).max(3600).default(5),
  })
  .strict();

export async function stopRecord(hash: string, body: unknown) {
  const parsed = stopBodySchema.safeParse(body);
  if (!parsed.success) throw new ValidationError(fieldErrors(parsed.error));
  const registry = await getRegistry();
  const result = await stopProcess(registry, hash, { force: parsed.data.force, graceMs: parsed.data.graceSeconds * 1000 });
  const record = await registry.invalidate(hash);
  return {
    outcome: result.outcome,
    signal: result.signal,
    descendants: result.descendants,
    message: result.message,
    process: record ? toProcessJson(record) : null,
  };
}
