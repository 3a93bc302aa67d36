// The hook between scripts/serve.js (plain Node, outside Next's bundles) and the hub's
// WebSocket channel (inside them): the hub sets its handler at start, the server calls it for
// every upgrade request before Next sees it. On globalThis: the two sides load separate copies.

/** @param {((req: import("node:http").IncomingMessage, socket: import("node:stream").Duplex, head: Buffer) => void) | null} handler */
export function setUpgradeHandler(handler) {
  globalThis.__processMonitorUpgrade = handler;
  globalThis.__processMonitorStarted = true;
}

/** Whether the server's start (lib/startup.ts) has run: before it, a hub has no handler yet. */
export function backgroundStarted() {
  return globalThis.__processMonitorStarted === true;
}

export function upgradeHandler() {
  return globalThis.__processMonitorUpgrade ?? null;
}
