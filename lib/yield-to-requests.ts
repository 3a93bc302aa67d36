/**
 * Lets whatever waits for the event loop (requests, I/O) run before the caller goes on:
 * a page that renders in pieces this way never holds up a hub's incoming reports for long.
 */
export function yieldToWaitingRequests(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
