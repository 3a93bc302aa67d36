// A record's usage history, bounded: every point is kept at full resolution until a record has
// MAX_POINTS of them; then its older half is merged pairwise, so the recent past stays as it was
// sampled and the far past grows coarser, never beyond MAX_POINTS rows whatever the run's length.

/** One point of a record's history: its process tree's CPU and memory over `span` seconds from `at`. */
export interface UsagePoint {
  /** Seconds since the epoch. */
  at: number;
  span: number;
  /** Percent of one core, averaged over the span. */
  cpuPercent: number | null;
  /** The highest resident memory of the span. */
  rssBytes: number | null;
  /** The highest GPU memory of the span (NVIDIA); null where there is none. */
  gpuBytes: number | null;
}

/** At 5 s a point, the last 30 minutes at full resolution, and at most 720 rows per record (about 36 KB). */
export const MAX_POINTS = 720;

function mergedMax(a: number | null, b: number | null): number | null {
  return a === null ? b : b === null ? a : Math.max(a, b);
}

/** Two neighbouring points as one: CPU averaged over time, memory's highs kept (a peak is never smoothed away). */
export function mergePoints(a: UsagePoint, b: UsagePoint): UsagePoint {
  const span = a.span + b.span;
  const cpu =
    a.cpuPercent === null
      ? b.cpuPercent
      : b.cpuPercent === null
        ? a.cpuPercent
        : (a.cpuPercent * a.span + b.cpuPercent * b.span) / (span || 1);
  return { at: a.at, span, cpuPercent: cpu, rssBytes: mergedMax(a.rssBytes, b.rssBytes), gpuBytes: mergedMax(a.gpuBytes, b.gpuBytes) };
}

/** The points (oldest first) within `max`: unchanged while they fit, else the older half merged pairwise, until they fit. */
export function compact(points: UsagePoint[], max = MAX_POINTS): UsagePoint[] {
  let out = points;
  while (out.length > max) {
    const older = Math.floor(out.length / 2);
    if (older < 2) return [out.reduce(mergePoints)];
    const merged: UsagePoint[] = [];
    for (let i = 0; i + 1 < older; i += 2) merged.push(mergePoints(out[i]!, out[i + 1]!));
    if (older % 2 === 1) merged.push(out[older - 1]!);
    out = [...merged, ...out.slice(older)];
  }
  return out;
}
