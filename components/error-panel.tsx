"use client";

/** A section's error page: what failed, the message, what it means for the user's data, and a retry. */
export function ErrorPanel({ title, message, hint, reset }: { title: string; message: string; hint: string; reset: () => void }) {
  return (
    <div
      role="alert"
      className="mx-auto max-w-2xl rounded-lg border border-rose-300 bg-rose-50 p-6 dark:border-rose-500/40 dark:bg-rose-500/10"
    >
      <h1 className="text-lg font-semibold text-rose-900 dark:text-rose-200">{title}</h1>
      <p className="mt-2 text-sm text-rose-800 dark:text-rose-300">{message || "Something went wrong."}</p>
      <p className="mt-2 text-xs text-rose-700/80 dark:text-rose-300/70">{hint}</p>
      <button
        type="button"
        onClick={reset}
        className="mt-4 rounded-md bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-500"
      >
        Try again
      </button>
    </div>
  );
}
