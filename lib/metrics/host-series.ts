/** Per-host series a hub's /metrics carries at most; the hosts beyond are summed into one. */
export const MAX_HOST_SERIES = 500;
/** The label of that sum. */
export const OTHER_HOSTS = "(others)";
/** Hosts that have not reported for this long get no series of their own (ms). */
export const HOST_SERIES_WINDOW_MS = 24 * 3600_000;

/**
 * The per-host values a gauge exposes, with bounded cardinality: one series for each host that
 * reported in the last 24 hours, the most crashes first, at most MAX_HOST_SERIES; the rest, and
 * hosts long silent or never heard, summed under `(others)`, a label no fleet name can be. Before, each enrolment added a series
 * (300 enrolments with the fleet key in 3 s made 302).
 */
export function hostSeries(
  hosts: ReadonlyArray<{ name: string; lastSeen: number | null; value: number }>,
  now = Date.now(),
  max = MAX_HOST_SERIES,
): Array<{ host: string; value: number }> {
  const recent = hosts.filter((h) => h.lastSeen !== null && now - h.lastSeen < HOST_SERIES_WINDOW_MS);
  const shown = [...recent].sort((a, b) => b.value - a.value || a.name.localeCompare(b.name)).slice(0, max);
  const kept = new Set(shown);
  const rest = hosts.filter((h) => !kept.has(h));
  const series = shown.map((h) => ({ host: h.name, value: h.value }));
  if (rest.length > 0) series.push({ host: OTHER_HOSTS, value: rest.reduce((sum, h) => sum + h.value, 0) });
  return series;
}
