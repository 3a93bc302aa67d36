/**
 * A wait that a change notification ends early: a follower of a growing file sleeps on it
 * between reads, and a watcher (inotify, an agent's word) wakes it. A wake with nobody sleeping
 * is dropped: the follower reads before it sleeps again.
 */
export function wakeable() {
  let wake: (() => void) | null = null;
  return {
    /** Resolves after `ms`, or as soon as woken. */
    sleep(ms: number): Promise<void> {
      return new Promise<void>((resolve) => {
        const timer = setTimeout(done, ms);
        function done() {
          clearTimeout(timer);
          wake = null;
          resolve();
        }
        wake = done;
      });
    },
    wake(): void {
      wake?.();
    },
  };
}
