/**
 * Ours, not the user's: the dashboard's settings and secrets (every PROCESS_MONITOR_*), the
 * web server's (PORT, HOST, NODE_ENV, Next's and Turbopack's) and what `npm run` adds
 * (npm_*, INIT_CWD, NODE, COLOR), and the shell's `_` (the command that started us: npm, or this
 * CLI; every record launched through `npm run cli` listed `_=/usr/bin/npm` first). A Node or web tool started from the dashboard would
 * otherwise try to use the dashboard's port, and a secret would reach the registry that AYON
 * shares and the hub it reports to.
 */
const OURS = /^(?:PROCESS_MONITOR_\w*|PORT|HOST|NODE_ENV|NEXT_\w*|__NEXT_\w*|TURBOPACK\w*|npm_\w*|INIT_CWD|NODE|COLOR|_)$/;

/** Whether a variable of the launching process is ours, never passed on. */
export function isOwnVariable(name: string): boolean {
  return OURS.test(name);
}

/** The folders `npm run` puts before the user's PATH: every node_modules/.bin up the tree, and npm's node-gyp shim. */
const NPM_PATH_ENTRY = /(?:[\\/]node_modules[\\/]\.bin|[\\/]@npmcli[\\/]run-script[\\/]lib[\\/]node-gyp-bin)$/;

/** PATH as the user had it: where `npm run` started us, without the folders it put in front. */
function userPath(env: Record<string, string | undefined>): string | undefined {
  const value = env.PATH;
  if (value === undefined || env.npm_lifecycle_event === undefined) return value;
  const separator = value.includes(";") && !value.includes(":/") ? ";" : ":";
  const entries = value.split(separator);
  let first = 0;
  while (first < entries.length - 1 && NPM_PATH_ENTRY.test(entries[first] ?? "")) first += 1;
  return entries.slice(first).join(separator);
}

/** The environment a launched program inherits from `env` (the launcher's own). */
export function inheritedEnv(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !isOwnVariable(key)) out[key] = value;
  const path = userPath(env);
  if (path !== undefined) out.PATH = path;
  return out;
}

/** A recorded environment without our variables (a relaunch of a record made before they were kept out). */
export function withoutOwnVariables(env: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !isOwnVariable(key)));
}
