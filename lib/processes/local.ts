import { noRecord } from "../launcher/errors";
import type { LaunchOptions, StopOptions, StopResult } from "../launcher";
import { summariseOutput, outputSize } from "../output/tail";
import { readRange, OutputMissingError } from "../output/range";
import { isProcessHash } from "../registry/hash";
import { toProcessJson, type ProcessJson } from "../registry/json";
import type { Registry } from "../registry/registry";
import type { DeleteResult, ListedProcess, ProcessRecord } from "../registry/types";
import { hostInfo, type HostInfo } from "../system/host";
import { ProcessSnapshot } from "../system/snapshot";
import type { LaunchRequest } from "../validation/launch";
import { applyRetention, type RetentionOutcome } from "../retention/apply";
import type { RetentionPolicy } from "../retention/policy";
import { ALL, selectBy, type ProcessQuery, type Selection } from "./query";
import { flagRunaway, runawayThreshold } from "./growth";
import { columnsOf, descendantViews, toView, viewOf, type DescendantView, type ProcessView, type ViewColumns } from "./view";
import { isActive } from "./status";
import type { UsageSampler } from "./end-record";
import type { UsagePoint } from "../registry/history";
import type { HostAtEnd } from "../registry/types";

export type { HostAtEnd };

/** One record as every caller may want it: the stored record (for JSON) and its view (for pages). */

/** This workstation as the header shows it: the machine, and the registry file (null when it cannot be opened). */
export type WorkstationInfo = HostInfo & { dbPath: string | null };
export interface ProcessItem {
  record: ListedProcess;
  view: ProcessView;
}

export interface ProcessList extends Selection<ProcessItem> {
  generatedAt: number;
}

export interface ProcessDetail {
  process: ProcessView;
  env: Record<string, string>;
  descendants: DescendantView[];
  output: Awaited<ReturnType<typeof summariseOutput>>;
  /** Its sampled usage over the whole run, oldest first (SPEC "The end record"). */
  history: ChartPoint[];
  /** The machine when it ended (memory, load, the biggest processes); null while it runs or when not known. */
  hostAtEnd: HostAtEnd | null;
  /** The record this one relaunched (originGone: it was deleted since), and those that relaunched this one. */
  relaunch: {
    origin: { hash: string; name: string } | null;
    originGone: boolean;
    relaunches: Array<{ hash: string; name: string }>;
  };
}

/** A point of the detail page's chart: ms, CPU %, memory MB (the process tree's). */
export interface ChartPoint {
  t: number;
  cpu: number | null;
  mem: number | null;
}

function chartPoints(points: UsagePoint[]): ChartPoint[] {
  return points.map((p) => ({
    t: Math.round(p.at * 1000),
    cpu: p.cpuPercent === null ? null : Math.round(p.cpuPercent * 10) / 10,
    mem: p.rssBytes === null ? null : Math.round(p.rssBytes / 1048576),
  }));
}

export interface ProcessUsage {
  at: number;
  status: ProcessView["status"];
  cpuPercent: number | null;
  rssBytes: number | null;
  treeCpuPercent: number;
  treeRssBytes: number;
  /** `history`: the record's sampled usage, oldest first (its process tree's CPU and memory), running or ended. */
  history?: Array<{ at: string; cpuPercent: number | null; rssBytes: number | null; gpuBytes?: number }>;
}

/** A history point as the API and the chart take it. */
export function historyJson(points: UsagePoint[]): NonNullable<ProcessUsage["history"]> {
  return points.map((p) => ({
    at: new Date(p.at * 1000).toISOString(),
    cpuPercent: p.cpuPercent === null ? null : Math.round(p.cpuPercent * 10) / 10,
    rssBytes: p.rssBytes,
    ...(p.gpuBytes !== null ? { gpuBytes: p.gpuBytes } : {}),
  }));
}

/** The first screenful of an output file, sent with the output page. */
export interface InitialTail {
  start: number;
  end: number;
  size: number;
  text: string;
}

export const INITIAL_TAIL_BYTES = 64 * 1024;

export interface OutputPageData {
  hash: string;
  name: string;
  pid: number | null;
  running: boolean;
  outputFile: string | null;
  tail: InitialTail | null;
}

export interface StopOutcome extends StopResult {
  process: ProcessJson | null;
}

/**
 * The processes of this workstation: its registry checked against its process table. The
 * one way pages, routes, actions and the CLI reach them. A remote host (the fleet's hub)
 * can stand beside it with the same calls.
 *
 * `usage`: whether views carry CPU and memory (a shared, second-old process table reading);
 * the CLI, which shows neither, skips reading the whole table.
 */
export class LocalProcesses {
  constructor(
    private readonly registry: () => Promise<Registry>,
    private readonly options: { usage: boolean; baseDir: string },
  ) {}

  private async snapshot(): Promise<ProcessSnapshot | null> {
    return this.options.usage ? ProcessSnapshot.recent() : null;
  }

  /** The hash of an existing record that a full hash or a unique prefix (6+ characters) names, or null. */
  async resolve(hashOrPrefix: string): Promise<string | null> {
    return (await this.registry()).resolveHash(hashOrPrefix);
  }

  /** The page `query` asks; `env: false` for a caller that never reads the records' environments (counts, alerts). */
  async list(query: ProcessQuery = ALL, { env = true }: { env?: boolean } = {}): Promise<ProcessList> {
    const { selection, snapshot, usage, outputSizes, columnsFor } = await this.select(query);
    // The listing read no environment: the page's rows' are read now (once: the rows are kept).
    if (env) await (await this.registry()).loadEnv(selection.items);
    const threshold = runawayThreshold();
    const items = selection.items.map((record) => {
      const columns = columnsFor(record);
      // A list sorted by usage walked the trees already: not again for the page.
      const view = viewOf(record, usage ? columns : columnsOf(record, snapshot));
      // The output's size: read to sort by it, else now, for the page's rows.
      view.outputSize = outputSizes ? columns.outputSize : outputSize(view.outputFile);
      flagRunaway(view, threshold);
      return { record, view };
    });
    return { ...selection, items, generatedAt: Date.now() };
  }

  /** The records a query selects, without views (the CLI prints records); `env`: with their environments. */
  async records(query: ProcessQuery = ALL, { env = false }: { env?: boolean } = {}): Promise<Selection<ListedProcess>> {
    // A command printing them reads them with the rows (one pass over the file: loadEnv after it took a fifth longer).
    return (await this.select(query, env)).selection;
  }

  /**
   * Every record, checked, then filtered, searched, sorted and counted by their columns; views
   * (an end reason decided, a user looked up, a tree walked, an output's size) are for the
   * page's rows only. A tree's usage and an output's size for every record only when the list
   * is sorted by them.
   */
  private async select(query: ProcessQuery, env = false) {
    const registry = await this.registry();
    const snapshot = await this.snapshot();
    const records = await registry.list(snapshot ? { snapshot, env } : { env });
    const usage = query.sort === "cpu" || query.sort === "memory";
    const outputSizes = query.sort === "output";
    // Made once per listing, whether the counts, the filter, the sort or the page asks: a stopped
    // record's even once while it is unchanged (columnsOf keeps it), unless with its output's size.
    const made = new Map<ListedProcess, ViewColumns>();
    const columnsFor = (record: ListedProcess): ViewColumns => {
      if (!outputSizes && !isActive(record)) return columnsOf(record, snapshot, { usage, outputSize: false });
      let columns = made.get(record);
      if (!columns) made.set(record, (columns = columnsOf(record, snapshot, { usage, outputSize: outputSizes })));
      return columns;
    };
    return { selection: selectBy(records, query, columnsFor), snapshot, usage, outputSizes, columnsFor };
  }

  /** One record, checked now; null for an unknown or malformed hash (the database is not asked). */
  async get(hash: string): Promise<ProcessItem | null> {
    if (!isProcessHash(hash)) return null;
    const snapshot = await this.snapshot();
    const record = await (await this.registry()).invalidate(hash, snapshot ?? undefined);
    return record ? { record, view: toView(record, snapshot) } : null;
  }

  /** Everything the detail page shows. */
  async detail(hash: string): Promise<ProcessDetail | null> {
    const item = await this.getWithTree(hash, { outputSize: true, tree: true });
    if (!item) return null;
    return {
      process: item.view,
      env: item.record.env,
      descendants: item.descendants,
      output: await summariseOutput(item.record.outputFile),
      history: chartPoints(await (await this.registry()).history(hash).catch(() => [])),
      hostAtEnd: isActive(item.view) ? null : (item.record.end?.host ?? null),
      relaunch: await (await this.registry()).relaunchLinks(hash).catch(() => ({ origin: null, originGone: false, relaunches: [] })),
    };
  }

  /** Current CPU and memory of a record's process and its descendants, for the live chart; `history`: its whole sampled run too. */
  async usage(hash: string, { history = false }: { history?: boolean } = {}): Promise<ProcessUsage | null> {
    const item = await this.getWithTree(hash, { outputSize: false, tree: false });
    if (!item) return null;
    const { view } = item;
    return {
      ...(history ? { history: historyJson(await (await this.registry()).history(hash)) } : {}),
      at: Date.now(),
      status: view.status,
      cpuPercent: view.ownCpuPercent,
      rssBytes: view.ownRssBytes,
      // The view's figure is already the tree's (toView): the chart's poll reads no descendant's details.
      treeCpuPercent: view.cpuPercent ?? 0,
      treeRssBytes: view.rssBytes ?? 0,
    };
  }

  private async getWithTree(hash: string, { outputSize, tree }: { outputSize: boolean; tree: boolean }) {
    if (!isProcessHash(hash)) return null;
    const snapshot = await ProcessSnapshot.recent();
    const record = await (await this.registry()).invalidate(hash, snapshot);
    if (!record) return null;
    const view = toView(record, snapshot, outputSize);
    if (outputSize) flagRunaway(view);
    const descendants = tree && isActive(view) && record.pid !== null ? descendantViews(snapshot, record.pid) : [];
    return { record, view, descendants };
  }

  /** The output page's data: one record check and the file's last screenful. */
  async outputPage(hash: string): Promise<OutputPageData | null> {
    if (!isProcessHash(hash)) return null;
    const record = await (await this.registry()).invalidate(hash);
    if (!record) return null;
    let tail: InitialTail | null = null;
    if (record.outputFile) {
      try {
        const range = await readRange(record.outputFile, { length: INITIAL_TAIL_BYTES, alignLines: true });
        tail = { start: range.start, end: range.end, size: range.size, text: new TextDecoder().decode(range.bytes) };
      } catch (error) {
        if (!(error instanceof OutputMissingError)) throw error;
      }
    }
    return {
      hash: record.hash,
      name: record.name,
      pid: record.pid,
      running: isActive(record),
      outputFile: record.outputFile,
      tail,
    };
  }

  /**
   * The output file of a record: the only way to name a file to read (nothing from a URL
   * ever becomes a path). Throws NOT_FOUND for an unknown record, NO_OUTPUT when it names none.
   */
  async outputOf(hash: string): Promise<{ record: ProcessRecord; file: string }> {
    const record = isProcessHash(hash) ? await (await this.registry()).get(hash) : null;
    if (!record) throw noRecord();
    if (!record.outputFile) throw new OutputMissingError("", "NO_OUTPUT");
    return { record, file: record.outputFile };
  }

  /** Starts a program (validated by the launcher) and records it; `exited` resolves at its end. */
  async launch(request: LaunchRequest, options: Omit<LaunchOptions, "baseDir"> = {}) {
    // The launcher loads on use: a command that only lists never pays for it.
    const { launch } = await import("../launcher/launch");
    const launched = await launch(await this.registry(), request, { baseDir: this.options.baseDir, ...options });
    const record = launched.record.withStatus("running");
    return { ...launched, item: { record, view: toView(record, null) } };
  }

  async relaunch(hash: string): Promise<ProcessItem> {
    if (!isProcessHash(hash)) throw noRecord();
    const { relaunch } = await import("../launcher/launch");
    const launched = await relaunch(await this.registry(), hash, { baseDir: this.options.baseDir });
    const record = launched.record.withStatus("running");
    return { record, view: toView(record, null) };
  }

  /** Stops a record's process (identity-checked), and says what it is now. */
  async stop(hash: string, options: StopOptions = {}): Promise<StopOutcome> {
    if (!isProcessHash(hash)) throw noRecord();
    const registry = await this.registry();
    const { stopProcess } = await import("../launcher/stop");
    const result = await stopProcess(registry, hash, options);
    const record = await registry.invalidate(hash);
    return { ...result, process: record ? toProcessJson(record) : null };
  }

  /** Deletes records and their output files (only inside the output folder); non-hashes are never found. */
  async remove(hashes: string | Iterable<string>): Promise<DeleteResult> {
    const wanted = [...(typeof hashes === "string" ? [hashes] : hashes)].filter(isProcessHash);
    return (await this.registry()).remove(wanted);
  }

  async prune(): Promise<DeleteResult> {
    return (await this.registry()).removeInactive();
  }

  /** One retention pass (SPEC "Retention"); a dry run says what it would remove. */
  async applyRetention(policy: RetentionPolicy, options: { dryRun?: boolean } = {}): Promise<RetentionOutcome> {
    return applyRetention(await this.registry(), policy, options);
  }

  /** Which machine, how loaded, and which registry file: the header's facts. */
  async host(): Promise<WorkstationInfo> {
    // The header stands on every page, also one saying that the registry cannot be read.
    const registry = await this.registry().catch(() => null);
    return { ...hostInfo(), dbPath: registry?.dbPath ?? null };
  }

  /** Whether the registry opens (health). */
  async registryPath(): Promise<string> {
    return (await this.registry()).dbPath;
  }

  /** Reads the registry for real (health): how many records it holds. */
  async countRecords(): Promise<number> {
    return (await this.registry()).count();
  }

  /** Records the ends that keepers left beside the registry (the keeper's `record-exits`), and why they ended. */
  async recordExits(): Promise<void> {
    const registry = await this.registry();
    await registry.foldExits();
    const { settleEnds } = await import("./end-record");
    await settleEnds(registry);
  }

  /** Decides why the records that ended since ended (the sampler does it every round; an agent before it reports). */
  async settleEnds(): Promise<number> {
    // Loaded on use, as the sampler: the end patterns pull in zod, which `list` and `show` need not load.
    const { settleEnds } = await import("./end-record");
    return settleEnds(await this.registry());
  }

  /** A record's sampled usage, oldest first (its detail page's chart of the whole run). */
  async history(hash: string): Promise<UsagePoint[]> {
    return isProcessHash(hash) ? (await this.registry()).history(hash) : [];
  }

  /** The sampler of this registry's running records (one per door; started by whoever runs on the workstation). */
  async sampler(): Promise<UsageSampler> {
    return (this.usageSampler ??= import("./end-record").then(({ UsageSampler }) => new UsageSampler(this.registry)));
  }

  private usageSampler: Promise<UsageSampler> | null = null;
}
