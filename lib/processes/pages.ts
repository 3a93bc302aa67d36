import "server-only";
import { cache } from "react";
import { PAGE_SIZE, type StatusCounts } from "./query";
import { pageQuery, type ListPageState } from "./query-params";
import { describePolicy, policyFromEnv } from "../retention/policy";
import { lastRetentionPass, type LastPass } from "../retention/schedule";
import { inheritedEnv, isOwnVariable } from "../launcher/inherited-env";
import { busyWaits } from "../db/busy";
import { knownFailure, type Failure } from "../failure";
import { processes } from "./server";
import { DETAIL_ARGS, ROW_ARGS, shownView, type ProcessView } from "./status";
import { shared } from "../config/shared";
import { serverEnv } from "../config/server-env";

export interface ProcessListPage {
  rows: ProcessView[];
  /** Records matching the filter and search. */
  total: number;
  counts: StatusCounts;
  page: number;
  pages: number;
  generatedAt: number;
}

/** A page's reading that the machine did not allow (registry busy, disk full): shown as a notice. */
export interface Unavailable {
  unavailable: Failure;
  /** When it was found so (ms). */
  at: number;
}

export function isUnavailable(value: unknown): value is Unavailable {
  return typeof value === "object" && value !== null && "unavailable" in value;
}

/** How long a page waits for a registry that another program holds before it says so. */
const PAGE_BUSY_MS = 2_500;

/**
 * The reading, or why the machine did not allow it; anything else still goes to the error page.
 * A page does not sit for the API's 15 s on a locked registry: once it has waited a moment with
 * a statement still waiting for the lock, it says "registry busy" and tries again by itself.
 */
async function orUnavailable<T>(read: () => Promise<T>): Promise<T | Unavailable> {
  const reading = read();
  reading.catch(() => undefined);
  try {
    for (const started = Date.now(); ;) {
      let timer: NodeJS.Timeout | undefined;
      const tick = new Promise<typeof TICK>((resolve) => (timer = setTimeout(() => resolve(TICK), 250)));
      const outcome = await Promise.race([reading, tick]).finally(() => clearTimeout(timer));
      if (outcome !== TICK) return outcome as T;
      if (Date.now() - started >= PAGE_BUSY_MS && busyWaits.waiting > 0) {
        return { unavailable: knownFailure({ code: "BUSY" })!, at: Date.now() };
      }
    }
  } catch (error) {
    const failure = knownFailure(error);
    if (failure) return { unavailable: failure, at: Date.now() };
    throw error;
  }
}

const TICK = Symbol("tick");

/** The list page: one page of the door's list; a page past the end shows the last one. */
export function getProcessListPage(state: ListPageState): Promise<ProcessListPage | Unavailable> {
  return orUnavailable(() => readListPage(state));
}

async function readListPage(state: ListPageState): Promise<ProcessListPage> {
  // Its rows are views, which hold no environment: none is read.
  let list = await processes().list(pageQuery(state), { env: false });
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const page = Math.min(state.page, pages);
  if (page !== state.page) list = await processes().list(pageQuery({ ...state, page }), { env: false });
  return {
    rows: list.items.map((i) => shownView(i.view, ROW_ARGS)),
    total: list.total,
    counts: list.counts,
    page,
    pages,
    generatedAt: list.generatedAt,
  };
}

export interface RetentionSummary {
  policy: string;
  outputTotalBytes: number;
  next: { count: number; bytes: number };
  stillOverBytes: number;
  last: LastPass | null;
  automatic: boolean;
  error: string | null;
}

const summaryCache = shared("retention-summary", () => ({ current: null as { at: number; summary: RetentionSummary } | null }));

/** Records were deleted here (delete, prune): the next list page measures the output folder again instead of keeping its last 30 s figure. */
export function retentionSummaryChanged(): void {
  summaryCache.current = null;
}

/**
 * What the list page says about retention: the output folder's size, what the policy will
 * remove next (a dry run, at most every 30 s), and the last automatic pass.
 */
export async function getRetentionSummary(): Promise<RetentionSummary> {
  const cached = summaryCache.current;
  if (cached && Date.now() - cached.at < 30_000) return { ...cached.summary, last: lastRetentionPass() };
  let summary: RetentionSummary;
  try {
    const policy = policyFromEnv();
    // Like the list beside it: a registry held by another program is said, not waited for.
    const pass = await orUnavailable(() => processes().applyRetention(policy, { dryRun: true }));
    if (isUnavailable(pass)) throw new Error(pass.unavailable.message);
    const { plan } = pass;
    summary = {
      policy: describePolicy(policy),
      outputTotalBytes: plan.outputTotalBytes,
      next: { count: plan.remove.length, bytes: plan.removeBytes },
      stillOverBytes: plan.stillOverBytes,
      last: lastRetentionPass(),
      automatic: serverEnv().automaticRetention,
      error: null,
    };
  } catch (error) {
    const empty = { count: 0, bytes: 0 };
    summary = {
      policy: "",
      outputTotalBytes: 0,
      next: empty,
      stillOverBytes: 0,
      last: null,
      automatic: false,
      error: (error as Error).message,
    };
  }
  // A failure (a busy registry) is asked again on the next page, not remembered for 30 s.
  if (summary.error === null) summaryCache.current = { at: Date.now(), summary };
  return summary;
}

/** Environment variables the detail page shows before "all of them". */
export const DETAIL_ENV = 2_000;

/** Cached per request: a page and its metadata share one check. */
export const getProcessDetail = cache((hash: string) =>
  orUnavailable(async () => {
    const detail = await processes().detail(hash);
    if (!detail) return null;
    const names = Object.keys(detail.env);
    return {
      ...detail,
      process: shownView(detail.process, DETAIL_ARGS),
      env: names.length > DETAIL_ENV ? Object.fromEntries(names.slice(0, DETAIL_ENV).map((k) => [k, detail.env[k]!])) : detail.env,
      envCount: names.length,
    };
  }),
);
export const getOutputPage = cache((hash: string) => orUnavailable(() => processes().outputPage(hash)));

export interface LaunchPage {
  /** The variables a launch from this server inherits (names only: values stay on the server). */
  inherited: string[];
  /** This server's own variables, never passed on. */
  leftOut: string[];
}

/** The launch form: what a program started from it inherits. */
export function getLaunchPage(): LaunchPage {
  const inherited = Object.keys(inheritedEnv(process.env)).sort();
  const leftOut = Object.keys(process.env)
    .filter((name) => isOwnVariable(name))
    .sort();
  return { inherited, leftOut };
}
