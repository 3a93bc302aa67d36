import "server-only";
import { cache } from "react";
import { PAGE_SIZE } from "./query";
import { pageQuery, type ListPageState } from "./query-params";
import { describePolicy, policyFromEnv } from "../retention/policy";
import { lastRetentionPass, type LastPass } from "../retention/schedule";
import { processes } from "./server";
import type { ProcessView } from "./status";

export interface ProcessListPage {
  rows: ProcessView[];
  /** Records matching the filter and search. */
  total: number;
  counts: { all: number; running: number; stopped: number };
  page: number;
  pages: number;
  generatedAt: number;
}

/** The list page: one page of the door's list; a page past the end shows the last one. */
export async function getProcessListPage(state: ListPageState): Promise<ProcessListPage> {
  let list = await processes().list(pageQuery(state));
  const pages = Math.max(1, Math.ceil(list.total / PAGE_SIZE));
  const page = Math.min(state.page, pages);
  if (page !== state.page) list = await processes().list(pageQuery({ ...state, page }));
  return { rows: list.items.map((i) => i.view), total: list.total, counts: list.counts, page, pages, generatedAt: list.generatedAt };
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

const globalCache = globalThis as unknown as { __pmRetentionSummary?: { at: number; summary: RetentionSummary } };

/**
 * What the list page says about retention: the output folder's size, what the policy will
 * remove next (a dry run, at most every 30 s), and the last automatic pass.
 */
export async function getRetentionSummary(): Promise<RetentionSummary> {
  const cached = globalCache.__pmRetentionSummary;
  if (cached && Date.now() - cached.at < 30_000) return { ...cached.summary, last: lastRetentionPass() };
  let summary: RetentionSummary;
  try {
    const policy = policyFromEnv();
    const { plan } = await processes().applyRetention(policy, { dryRun: true });
    summary = {
      policy: describePolicy(policy),
      outputTotalBytes: plan.outputTotalBytes,
      next: { count: plan.remove.length, bytes: plan.removeBytes },
      stillOverBytes: plan.stillOverBytes,
      last: lastRetentionPass(),
      automatic: process.env.PROCESS_MONITOR_RETENTION !== "off",
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
  globalCache.__pmRetentionSummary = { at: Date.now(), summary };
  return summary;
}

/** Cached per request: a page and its metadata share one check. */
export const getProcessDetail = cache((hash: string) => processes().detail(hash));
export const getOutputPage = cache((hash: string) => processes().outputPage(hash));
