import type { HostAtEnd } from "@/lib/processes/local";
import { formatBytes } from "@/lib/format";
import { LocalTime } from "@/components/local-time";

/** The machine when the record ended: was memory short, was it loaded, who held the memory. */
export function HostAtEndPanel({ host }: { host: HostAtEnd }) {
  return (
    <div data-testid="host-at-end" className="text-sm">
      <p className="text-zinc-600 dark:text-zinc-400">
        At <LocalTime seconds={host.at} mode="exact" />: {formatBytes(host.memFreeBytes)} free of {formatBytes(host.memTotalBytes)}, load{" "}
        {host.load.map((l) => l.toFixed(2)).join(" · ")}
      </p>
      <table className="mt-2 w-full text-left text-xs">
        <caption className="sr-only">The processes using the most memory then</caption>
        <thead className="text-zinc-500 dark:text-zinc-400">
          <tr>
            <th scope="col" className="py-1 pr-2 font-medium">
              PID
            </th>
            <th scope="col" className="py-1 pr-2 font-medium">
              Process
            </th>
            <th scope="col" className="py-1 text-right font-medium">
              Memory
            </th>
          </tr>
        </thead>
        <tbody>
          {host.top.map((p) => (
            <tr key={p.pid} className="border-t border-zinc-100 dark:border-zinc-800">
              <td className="py-1 pr-2 font-mono">{p.pid}</td>
              <td className="max-w-0 truncate py-1 pr-2" title={p.name}>
                {p.name}
              </td>
              <td className="py-1 text-right tabular-nums">{formatBytes(p.rssBytes)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
