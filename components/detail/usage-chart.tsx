"use client";

import { useEffect, useState } from "react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { elapsedTicks, formatElapsed, percentTicks } from "@/lib/format";

interface Sample {
  t: number;
  cpu: number | null;
  mem: number | null;
}

/** Points drawn at most: the recorded history (at most 720) and what this page sampled since. */
const MAX_SAMPLES = 1_200;

/**
 * CPU and memory of the process and its descendants: its whole run as the workstation sampled it
 * (`history`, kept after it ended), then, while it runs, sampled again while this page is open.
 */
export function UsageChart({
  hash,
  running,
  history = [],
  intervalMs = 1_500,
  source = `/api/processes/${hash}/usage`,
}: {
  hash: string;
  running: boolean;
  history?: Sample[];
  intervalMs?: number;
  /** Where a point is asked for: this workstation's record, or a remote one's through the hub (read by its agent). */
  source?: string;
}) {
  const [samples, setSamples] = useState<Sample[]>(history);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!running) return;
    let cancelled = false;
    const sample = async () => {
      try {
        const response = await fetch(source, { cache: "no-store" });
        if (!response.ok) {
          const said = ((await response.json().catch(() => null)) as { error?: string } | null)?.error;
          throw new Error(response.status === 404 ? "record deleted" : (said ?? `HTTP ${response.status}`));
        }
        const usage = (await response.json()) as { at: number; treeCpuPercent: number; treeRssBytes: number; status: string };
        if (cancelled) return;
        setError(null);
        setSamples((current) =>
          [
            ...current,
            { t: usage.at, cpu: Math.round(usage.treeCpuPercent * 10) / 10, mem: Math.round(usage.treeRssBytes / 1048576) },
          ].slice(-MAX_SAMPLES),
        );
      } catch (e) {
        if (!cancelled) setError((e as Error).message);
      }
    };
    void sample();
    const timer = setInterval(sample, intervalMs);
    return () => {
      cancelled = true;
      clearInterval(timer);
    };
  }, [source, running, intervalMs]);

  if (!running && samples.length < 2) {
    return <p className="text-sm text-zinc-500 dark:text-zinc-400">The process is not running, and no usage was recorded while it ran.</p>;
  }
  // Elapsed time from the first point (clock times in mm:ss read as times of day), at round steps.
  const origin = samples[0]?.t ?? 0;
  const ticks = samples.length > 1 ? elapsedTicks(origin, samples.at(-1)!.t) : [];
  const cpuTicks = percentTicks(Math.max(0, ...samples.map((s) => s.cpu ?? 0)));
  return (
    <div className="h-56 w-full" data-testid="usage-chart" data-samples={samples.length}>
      {samples.length < 2 ? (
        <p className="text-sm text-zinc-500 dark:text-zinc-400">{error ? `Sampling failed: ${error}` : "Collecting samples…"}</p>
      ) : (
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={samples} margin={{ top: 8, right: 8, bottom: 0, left: 0 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="currentColor" strokeOpacity={0.12} />
            <XAxis
              dataKey="t"
              type="number"
              domain={["dataMin", "dataMax"]}
              ticks={ticks}
              tickFormatter={(t: number) => formatElapsed(t - origin)}
              tick={{ fontSize: 11, fill: "currentColor" }}
              stroke="currentColor"
              strokeOpacity={0.3}
            />
            <YAxis
              yAxisId="cpu"
              // From 0 to at least 10 %: an idle process draws a flat line at 0, not waves of 0.075%.
              domain={[0, cpuTicks.at(-1)!]}
              ticks={cpuTicks}
              tick={{ fontSize: 11, fill: "currentColor" }}
              unit="%"
              width={48}
              stroke="currentColor"
              strokeOpacity={0.3}
            />
            <YAxis
              yAxisId="mem"
              orientation="right"
              domain={[0, "auto"]}
              allowDecimals={false}
              tick={{ fontSize: 11, fill: "currentColor" }}
              unit=" MB"
              width={64}
              stroke="currentColor"
              strokeOpacity={0.3}
            />
            <Tooltip
              labelFormatter={(t) => `${new Date(Number(t)).toLocaleTimeString()} (${formatElapsed(Number(t) - origin)})`}
              contentStyle={{ fontSize: 12 }}
            />
            <Legend wrapperStyle={{ fontSize: 12 }} />
            <Line yAxisId="cpu" type="linear" dataKey="cpu" name="CPU %" stroke="#6366f1" dot={false} isAnimationActive={false} />
            <Line yAxisId="mem" type="linear" dataKey="mem" name="Memory (MB)" stroke="#10b981" dot={false} isAnimationActive={false} />
          </LineChart>
        </ResponsiveContainer>
      )}
    </div>
  );
}
