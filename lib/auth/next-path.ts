const BASE = "http://process-monitor.invalid";

/**
 * Where to go after login: only a path on this dashboard. Browsers read `/\host` and
 * `/<tab>/host` as another site, so anything with a backslash or a control character, or
 * that parses to another origin, is refused.
 */
export function safeNextPath(value: unknown, home = "/"): string {
  if (typeof value !== "string" || value.length > 2048 || !value.startsWith("/")) return home;
  if (/[\\\u0000-\u001f\u007f]/.test(value)) return home;
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return home;
  }
  if (url.origin !== BASE || url.pathname.startsWith("//")) return home;
  url.searchParams.delete("token");
  return `${url.pathname}${url.search}${url.hash}`;
}
