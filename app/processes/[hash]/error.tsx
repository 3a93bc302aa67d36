"use client";

import Link from "next/link";

export default function ProcessError({ error, reset }: { error: Error; reset: () => void }) {
  return (
    <div
      role="alert"
      className="mx-auto max-w-2xl rounded-lg border border-rose-300 bg-rose-50 p-6 dark:border-rose-500/40 dark:bg-rose-500/10"
    >
      <h1 className="text-lg font-semibold text-rose-900 dark:text-rose-200">This process could not be shown</h1>
      <p className="mt-2 text-sm text-rose-800 dark:text-rose-300">{error.message}</p>
      <div className="mt-4 flex gap-3">
        <button
          type="button"
          onClick={reset}
          className="rounded-md bg-rose-600 px-3 py-1.5 text-sm font-medium text-white hover:bg-rose-500"
        >
          Try again
        </button>
        <Link href="/" className="rounded-md border border-rose-300 px-3 py-1.5 text-sm">
          All processes
        </Link>
      </div>
    </div>
  );
}
