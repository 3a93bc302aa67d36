import { describe, expect, it } from "vitest";
import { elapsedTicks, formatElapsed, percentTicks } from "../lib/format";

describe("a chart's time axis (issue 42)", () => {
  const labels = (seconds: number) => elapsedTicks(1_000_000, 1_000_000 + seconds * 1000).map((t) => formatElapsed(t - 1_000_000));

  it("ticks at round elapsed times from the start, each once, at most six", () => {
    expect(labels(5)).toEqual(["+0s", "+1s", "+2s", "+3s", "+4s", "+5s"]);
    expect(labels(2.4)).toEqual(["+0s", "+1s", "+2s"]);
    expect(labels(131)).toEqual(["+0s", "+30s", "+1m 0s", "+1m 30s", "+2m 0s"]);
    expect(labels(3 * 3600 + 60)).toEqual(["+0s", "+1h 0m", "+2h 0m", "+3h 0m"]);
    expect(labels(40 * 86400)).toEqual(["+0s", "+8d 0h", "+16d 0h", "+24d 0h", "+32d 0h", "+40d 0h"]);
    for (const seconds of [0, 1, 7, 59, 61, 599, 3601, 86_401, 10 * 86_400]) {
      const shown = labels(seconds);
      expect(new Set(shown).size, `${seconds} s`).toBe(shown.length);
      expect(shown.length, `${seconds} s`).toBeLessThanOrEqual(6);
    }
  });
});

describe("percentTicks", () => {
  it("ticks a CPU axis at whole, even steps from 0, at most five of them", () => {
    expect(percentTicks(0)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(percentTicks(0.075)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(percentTicks(10)).toEqual([0, 2, 4, 6, 8, 10]);
    expect(percentTicks(37)).toEqual([0, 10, 20, 30, 40]);
    expect(percentTicks(180)).toEqual([0, 50, 100, 150, 200]);
    expect(percentTicks(790)).toEqual([0, 200, 400, 600, 800]);
    expect(percentTicks(Number.NaN)).toEqual([0, 2, 4, 6, 8, 10]);
    for (const max of [0, 3, 11, 99, 101, 1234, 6400]) {
      const ticks = percentTicks(max);
      expect(ticks.at(-1)!).toBeGreaterThanOrEqual(max);
      expect(ticks.length - 1).toBeLessThanOrEqual(5);
      expect(ticks.every((t) => Number.isInteger(t))).toBe(true);
    }
  });
});
