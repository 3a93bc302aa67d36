/** The outcome of a button's action, announced to screen readers. */
export function ActionMessage({ message }: { message: { ok: boolean; text: string } | null }) {
  if (!message) return null;
  return (
    <p
      role="status"
      data-testid="action-message"
      className={`text-sm ${message.ok ? "text-emerald-700 dark:text-emerald-400" : "text-rose-700 dark:text-rose-400"}`}
    >
      {message.text}
    </p>
  );
}
