import Link from "next/link";

export default function ProcessNotFound() {
  return (
    <div className="mx-auto max-w-xl py-16 text-center" data-testid="process-not-found">
      <p className="text-sm font-semibold text-indigo-600 dark:text-indigo-400">404</p>
      <h1 className="mt-2 text-2xl font-semibold tracking-tight">No such process record</h1>
      <p className="mt-3 text-sm text-zinc-600 dark:text-zinc-400">
        This link points to a record that is not in the registry: it was deleted (for example by “Delete all inactive”), or the address is
        mistyped.
      </p>
      <Link href="/" className="mt-6 inline-block rounded-md bg-indigo-600 px-4 py-2 text-sm font-medium text-white hover:bg-indigo-500">
        Back to all processes
      </Link>
    </div>
  );
}
