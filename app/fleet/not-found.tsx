import Link from "next/link";

export default function FleetNotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center" data-testid="fleet-not-found">
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">Not in this fleet</h1>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        No host by that name has enrolled with this hub, or it has not reported that record (deleted on the workstation, or removed by its
        retention). The address may also be mistyped.
      </p>
      <Link
        href="/fleet"
        className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500"
      >
        Back to the fleet
      </Link>
    </div>
  );
}
