// The pause between a stop's polite ask (SIGTERM; WM_CLOSE on Windows) and its kill (SIGKILL; the
// Job ended): one rule for the launcher, the API, the CLI, the agent and the words of the confirm
// dialogs. Free of Node APIs, so the browser's copy (lib/processes/status.ts passes it on) is this one.

/** A stop's grace when none is asked for. */
export const STOP_GRACE_SECONDS = 5;
export const DEFAULT_GRACE_MS = STOP_GRACE_SECONDS * 1000;
/** The longest grace the API and the CLI take. */
export const MAX_GRACE_SECONDS = 3600;
