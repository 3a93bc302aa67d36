import type { Metadata } from "next";
import Link from "next/link";
import { notFound } from "next/navigation";
import { OutputViewer } from "@/components/output/output-viewer";
import { getProcessDetail } from "@/lib/dashboard/detail";

export const dynamic = "force-dynamic";

type Props = { params: Promise<{ hash: string }> };

export async function generateMetadata({ params }: Props): Promise<Metadata> {
  const detail = await getProcessDetail((await params).hash);
  return { title: detail ? `Output of ${detail.process.name || "unnamed"}${detail.process.pid !== null ? ` (pid ${detail.process.pid})` : ""}` : "Process not found" };
}

export default async function OutputPage({ params }: Props) {
  const detail = await getProcessDetail((await params).hash);
  if (!detail) notFound();
  const { process: p, output } = detail;
  const running = p.status === "running" || p.status === "unverified";
  if (!p.outputFile || !output.exists) {
    return (
      <div className="mx-auto max-w-2xl space-y-4 py-10" data-testid="output-missing">
        <Link href={`/processes/${p.hash}`} className="text-sm text-indigo-700 hover:underline dark:text-indigo-300">
          ← {p.name}
        </Link>
        <h1 className="text-xl font-semibold">No output to show</h1>
        <p className="text-sm text-zinc-600 dark:text-zinc-400">
          {p.outputFile
            ? `The output file ${p.outputFile} does not exist: it was deleted, or the process never wrote it.`
            : "This record names no output file (the launcher that started it did not capture output)."}
        </p>
      </div>
    );
  }
  return <OutputViewer hash={p.hash} name={p.name} running={running} />;
}
