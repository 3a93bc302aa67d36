import { followStream } from "../../output/follow";
import type { OutputSource } from "../../output/source";
import type { Requester } from "./commands";
import type { FleetDoor } from "./fleet";

/** How often a follower through the hub asks the agent for what was appended, unless told sooner (a watch over the agent's socket). */
const FOLLOW_POLL_MS = 500;

/** A remote record's output, read on its workstation by its agent: the same source as a local file's. */
export function remoteOutput(door: FleetDoor, hostName: string, hash: string, who: Requester): OutputSource {
  return {
    range: (args) => door.range(hostName, hash, args, who),
    search: (args) => door.search(hostName, hash, args, who),
    line: (offset) => door.line(hostName, hash, offset, who),
    follow: (from, signal) =>
      followStream((offset, length) => door.range(hostName, hash, { offset, length }, who), {
        from,
        signal,
        pollMs: FOLLOW_POLL_MS,
        // Pushed: the agent says when the file changed, and the follower reads then.
        watch: (wake) => {
          let stop: (() => void) | null = null;
          let ended = false;
          void door
            .watchOutput(hostName, hash, wake)
            .then((started) => (ended ? started?.() : (stop = started)))
            .catch(() => undefined);
          return () => {
            ended = true;
            stop?.();
          };
        },
      }),
  };
}
