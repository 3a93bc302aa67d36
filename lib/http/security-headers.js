// Headers on every response (pages, routes, static files). Plain JavaScript so that
// next.config.js can use them as they are; proxy.ts adds them to the answers it makes itself.

/** No other site may frame a page (clickjacking); forms post only here; no plugins. */
export const CONTENT_SECURITY_POLICY = "frame-ancestors 'none'; form-action 'self'; base-uri 'self'; object-src 'none'";

/** @type {{ key: string, value: string }[]} */
export const SECURITY_HEADERS = [
  { key: "Content-Security-Policy", value: CONTENT_SECURITY_POLICY },
  { key: "X-Frame-Options", value: "DENY" },
  { key: "X-Content-Type-Options", value: "nosniff" },
  // A URL (a record's hash, a login link) never leaks to another site through Referer.
  { key: "Referrer-Policy", value: "no-referrer" },
];
