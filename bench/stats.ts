export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

export const ms = (n: number) => `${n.toFixed(n < 10 ? 2 : 1)} ms`;

export async function timed<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const value = await fn();
  return [value, performance.now() - start];
}

export function report(label: string, value: string, target?: string): void {
  console.log(`  ${label.padEnd(48)} ${value.padStart(14)}${target ? `   (target ${target})` : ""}`);
}

/** A figure with a comparison beside it that is not a target (ours against AYON's where no target is set). */
export function reportBeside(label: string, value: string, beside: string): void {
  console.log(`  ${label.padEnd(48)} ${value.padStart(14)}   (${beside})`);
}

/** A figure beside its target, said met or not met (issue 36: a "not met" line is a defect). */
export function reportTarget(label: string, value: string, target: string, met: boolean): void {
  report(label, value, `${target}: ${met ? "met" : "NOT MET"}`);
}
