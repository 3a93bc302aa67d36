"use client";

import Link from "next/link";
import { useRouter } from "next/navigation";
import { useEffect, useState } from "react";

/**
 * Keeps an open detail page current, and says so plainly when its record is deleted
 * elsewhere (CLI, another browser, AYON's cleanup) instead of failing.
 */
export function RecordWatch({ hash, intervalMs = 3_000 }: { hash: string; intervalMs?: number }) {
  const router = useRouter();
  const [deleted, setDeleted] = useState(false);

  useEffect(() => {
    if (deleted) return;
    const timer = setInterval(async () => {
      if (document.visibilityState !== "visible") return;
      try {
        const response = await fetch(`/api/processes/${hash}`, { cache: "no-store" });
        if (response.status === 404) setDeleted(true);
        else if (response.ok) router.refresh();
      } catch {
        /* server restarting: try again next tick */
      }
    }, intervalMs);
    return () => clearInterval(timer);
  }, [hash, intervalMs, deleted, router]);

  if (!deleted) return null;
  return (
    <div
      role="alert"
      data-testid="record-deleted"
      className="rounded-lg border border-amber-300 bg-amber-50 p-4 text-sm text-amber-900 dark:border-amber-500/40 dark:bg-amber-500/10 dark:text-amber-200"
    >
      This record has been deleted from the registry. What you see is its last known state.{" "}
      <Link href="/" className="font-medium underline">
        Back to all processes
      </Link>
    </div>
  );
}
