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
