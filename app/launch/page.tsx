import type { Metadata } from "next";
import Link from "next/link";
import { LaunchForm } from "@/components/launch-form";
import { currentRole } from "@/lib/auth/role";
import { getLaunchPage } from "@/lib/processes/pages";

export const metadata: Metadata = { title: "Launch" };

export default async function LaunchPage() {
  const viewer = (await currentRole()) === "viewer";
  return (
    <div className="space-y-5">
      <div>
        <Link href="/" className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← All processes
        </Link>
        <h1 className="mt-1 text-xl font-semibold tracking-tight">Launch a process</h1>
        <p className="text-sm text-zinc-500 dark:text-zinc-400">
          Its output is captured to a file and it keeps running if the dashboard stops.
        </p>
      </div>
      {viewer ? (
        <p className="rounded-lg border border-dashed border-zinc-300 p-6 text-sm text-zinc-600 dark:border-zinc-700 dark:text-zinc-400">
          This is a read-only session (the viewer token): it cannot launch. Log in with the operator&apos;s token to launch.
        </p>
      ) : (
        <LaunchForm environment={getLaunchPage()} />
      )}
    </div>
  );
}
