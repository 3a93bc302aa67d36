import Link from "next/link";

/** What this record relaunched, and its own relaunches: a relaunch is never an unrelated new row. */
export function RelaunchLinks({
  origin,
  originGone,
  relaunches,
}: {
  origin: { hash: string; name: string } | null;
  originGone: boolean;
  relaunches: Array<{ hash: string; name: string }>;
}) {
  if (!origin && !originGone && relaunches.length === 0) return null;
  const link = "text-indigo-700 hover:underline dark:text-indigo-300";
  return (
    <div className="mt-1 space-y-0.5 text-sm text-zinc-600 dark:text-zinc-400" data-testid="relaunch-links">
      {origin && (
        <p>
          Relaunch of{" "}
          <Link href={`/processes/${origin.hash}`} className={link}>
            {origin.name || "unnamed"} ({origin.hash.slice(0, 8)})
          </Link>
        </p>
      )}
      {originGone && <p>Relaunch of a record deleted since</p>}
      {relaunches.length > 0 && (
        <p>
          Relaunched as{" "}
          {relaunches.slice(0, 10).map((r, i) => (
            <span key={r.hash}>
              {i > 0 && ", "}
              <Link href={`/processes/${r.hash}`} className={link}>
                {r.name || "unnamed"} ({r.hash.slice(0, 8)})
              </Link>
            </span>
          ))}
          {relaunches.length > 10 && ` and ${relaunches.length - 10} more`}
        </p>
      )}
    </div>
  );
}
