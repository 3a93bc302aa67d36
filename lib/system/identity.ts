// The one rule of identity (SPEC "is running"): a pid is the recorded process while its
// creation time is the recorded one, within AYON's tolerance. Kept apart from the probe so
// that Windows' supervisor, which checks every handle it opens, needs nothing else.

/** Start times within this many seconds are the same process (AYON's tolerance). */
export const START_TIME_TOLERANCE = 1.0;

/**
 * Same creation time within the tolerance. A hair of float slack: two readers whose
 * boot times differ by exactly the tolerance (a clock adjustment between them) must
 * still agree.
 */
export function sameStartTime(actual: number, recorded: number, extraSlack = 0): boolean {
  return Math.abs(actual - recorded) <= START_TIME_TOLERANCE + extraSlack + 1e-6;
}
