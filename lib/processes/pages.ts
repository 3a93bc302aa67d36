import "server-only";
import { cache } from "react";
import { PAGE_SIZE } from "./query";
import { pageQuery, type ListPageState } from "./query-params";
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

/** Cached per request: a page and its metadata share one check. */
export const getProcessDetail = cache((hash: string) => processes().detail(hash));
export const getOutputPage = cache((hash: string) => processes().outputPage(hash));
