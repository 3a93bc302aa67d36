/** A hostname as a URL segment: lower case, letters, digits, dots, dashes and underscores. */
export function baseName(hostname: string): string {
  const cleaned = hostname
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "")
    .slice(0, 63);
  return cleaned || "host";
}

/** Names the fleet's own pages use under /fleet/: never a host's. */
const RESERVED = new Set(["audit"]);

/** The first of `base`, `base-2`, `base-3`… that is not taken. */
export function uniqueName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base) && !RESERVED.has(base)) return base;
  for (let n = 2; ; n += 1) {
    const candidate = `${base}-${n}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/** Whether a URL segment could be a fleet name (anything else is a 404 without asking the store). */
export function isFleetName(value: string): boolean {
  return /^[a-z0-9._-]{1,80}$/.test(value);
}
