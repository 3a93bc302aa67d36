import type { Metadata } from "next";
import { LoginForm } from "@/components/login-form";
import { safeNextPath } from "@/lib/auth/next-path";
import { homePath } from "@/lib/auth/home";
import { tokenFilePath } from "@/lib/auth/token-file";
import os from "node:os";

export const metadata: Metadata = { title: "Log in" };

const first = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);

export default async function LoginPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const params = await searchParams;
  const next = safeNextPath(first(params.next), homePath());
  const ended = first(params.ended);
  // Where this server keeps it (XDG_DATA_HOME moves it), the home folder written as ~.
  const home = os.homedir();
  const file = tokenFilePath();
  const shownFile = home && file.startsWith(`${home}/`) ? `~${file.slice(home.length)}` : file;
  return (
    <div className="mx-auto max-w-md py-12">
      <h1 className="text-xl font-semibold tracking-tight">Log in to Process Monitor</h1>
      {ended && (
        <p role="status" className="mt-4 rounded-md bg-zinc-100 p-3 text-sm dark:bg-zinc-800">
          {ended === "all" ? "Every session was logged out, in every browser." : "You are logged out."}
        </p>
      )}
      <p className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
        Open the login URL printed when the dashboard started, or paste its token here. It is also kept in{" "}
        <code className="break-all rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800" data-testid="token-file">
          {shownFile}
        </code>{" "}
        (or set by <code className="rounded bg-zinc-100 px-1 text-xs dark:bg-zinc-800">PROCESS_MONITOR_TOKEN</code>).
      </p>
      <LoginForm next={next} initialError={first(params.error) === "1" ? "That token is not right." : null} />
    </div>
  );
}
