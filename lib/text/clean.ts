// Text that every store can hold. PostgreSQL's text and jsonb refuse NUL (22021, 22P05) and
// JSON carries lone UTF-16 surrogates that no UTF-8 column can store; AYON or any script can
// put either into a registry row. No Node APIs: also used in the browser.

declare global {
  interface String {
    isWellFormed(): boolean;
    toWellFormed(): string;
  }
}

/** NUL and lone surrogates replaced by U+FFFD; everything else kept as it is. */
export function cleanText(value: string): string {
  const wellFormed = value.isWellFormed() ? value : value.toWellFormed();
  return wellFormed.includes("\0") ? wellFormed.replaceAll("\0", "\uFFFD") : wellFormed;
}

/** At most `max` UTF-16 units, never cutting a surrogate pair in two. */
export function clip(value: string, max: number): string {
  if (value.length <= max) return value;
  const end = /[\uD800-\uDBFF]/.test(value[max - 1] ?? "") ? max - 1 : max;
  return value.slice(0, end);
}

/** How deep `cleanStrings` goes into a value: deeper parts are dropped (null), never recursed into until the stack runs out. */
export const MAX_CLEAN_DEPTH = 64;

/**
 * Every string of a JSON value cleaned (cleanText), keys too, at any depth: the one rule that
 * lets no string of a message escape, whatever field is added to it later. A value that needs
 * nothing (nearly every one) comes back as the same object, not a copy; nesting beyond
 * MAX_CLEAN_DEPTH becomes null.
 */
export function cleanStrings<T>(value: T, depth = 0): T {
  if (typeof value === "string") return cleanText(value) as T;
  if (value === null || typeof value !== "object") return value;
  if (depth >= MAX_CLEAN_DEPTH) return null as T;
  if (Array.isArray(value)) {
    let copy: unknown[] | null = null;
    for (let i = 0; i < value.length; i += 1) {
      const item: unknown = value[i];
      const cleaned = cleanStrings(item, depth + 1);
      if (copy) copy.push(cleaned);
      else if (cleaned !== item) copy = [...value.slice(0, i), cleaned];
    }
    return (copy ?? value) as T;
  }
  const source = value as Record<string, unknown>;
  let copy: Record<string, unknown> | null = null;
  for (const key in source) {
    const item = source[key];
    const cleaned = cleanStrings(item, depth + 1);
    const cleanKey = cleanText(key);
    if (!copy && (cleaned !== item || cleanKey !== key)) {
      // The first change: what came before it was clean, and is taken as it is.
      copy = {};
      for (const before in source) {
        if (before === key) break;
        copy[before] = source[before];
      }
    }
    if (copy) setOwn(copy, cleanKey, cleaned);
  }
  return (copy ?? value) as T;
}

/** An own property, even one named `__proto__` (JSON.parse makes such a key; assigning it would set the prototype). */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
