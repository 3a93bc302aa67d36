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

/**
 * What the server's background must finish before the process exits (the workstation's agent
 * telling the hub it stops): serve.js awaits it on SIGINT/SIGTERM, bounded by its own deadline.
 * @param {(() => Promise<void>) | null} hook
 */
export function setShutdownHook(hook) {
  globalThis.__processMonitorShutdown = hook;
}

/** @returns {Promise<void>} */
export async function runShutdownHook() {
  await globalThis.__processMonitorShutdown?.();
}
