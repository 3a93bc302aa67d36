"use client";

import { useMemo, useState } from "react";

const SECRET = /TOKEN|KEY|SECRET|PASSWORD|PASS|AUTH|CREDENTIAL/i;

export function isSecretName(name: string): boolean {
  return SECRET.test(name);
}

/** The recorded environment: searchable, sorted, secret-looking values masked until revealed. */
export function EnvTable({ env, hidden = false }: { env: Record<string, string>; hidden?: boolean }) {
  const [filter, setFilter] = useState("");
  const [revealed, setRevealed] = useState<Set<string>>(new Set());
  const entries = useMemo(() => Object.entries(env).sort(([a], [b]) => a.localeCompare(b)), [env]);
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? entries.filter(([k, v]) => k.toLowerCase().includes(needle) || (!isSecretName(k) && v.toLowerCase().includes(needle)))
    : entries;

  if (entries.length === 0) return <p className="text-sm text-zinc-500 dark:text-zinc-400">No environment was recorded.</p>;
  return (
    <div className="space-y-2">
      <input
        type="search"
        value={filter}
        onChange={(e) => setFilter(e.target.value)}
        placeholder={`Filter ${entries.length} variables…`}
        aria-label="Filter environment variables"
        className="w-full max-w-sm rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm dark:border-zinc-700 dark:bg-zinc-900"
      />
      <div className="max-h-[28rem] overflow-auto rounded-md border border-zinc-200 dark:border-zinc-800">
        <table className="w-full table-fixed text-xs">
          <colgroup>
            <col className="w-[38%]" />
            <col />
            <col className="w-20" />
          </colgroup>
          <tbody className="divide-y divide-zinc-100 dark:divide-zinc-800">
            {shown.map(([name, value]) => {
              const secret = !hidden && isSecretName(name);
              const visible = !hidden && (!secret || revealed.has(name));
              return (
                <tr key={name} data-env={name}>
                  <th scope="row" className="w-[38%] truncate px-3 py-1.5 text-left align-top font-mono font-medium" title={name}>
                    {name}
                  </th>
                  <td className="px-3 py-1.5 align-top font-mono break-all">
                    {visible ? (
                      <span data-testid="env-value">{value || <em className="text-zinc-400">(empty)</em>}</span>
                    ) : hidden ? (
                      <span className="text-zinc-500 dark:text-zinc-400" data-testid="env-hidden">
                        hidden from viewers
                      </span>
                    ) : (
                      <span className="text-zinc-400" data-testid="env-masked">
                        ••••••••
                      </span>
                    )}
                  </td>
                  <td className="w-20 px-3 py-1.5 text-right align-top">
                    {secret && (
                      <button
                        type="button"
                        onClick={() =>
                          setRevealed((current) => {
                            const next = new Set(current);
                            if (next.has(name)) next.delete(name);
                            else next.add(name);
                            return next;
                          })
                        }
                        className="rounded px-1.5 py-0.5 text-indigo-700 hover:bg-indigo-50 dark:text-indigo-300 dark:hover:bg-indigo-500/10"
                        aria-label={`${revealed.has(name) ? "Hide" : "Reveal"} ${name}`}
                      >
                        {revealed.has(name) ? "Hide" : "Reveal"}
                      </button>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {shown.length === 0 && <p className="p-3 text-sm text-zinc-500 dark:text-zinc-400">No variable matches “{filter}”.</p>}
      </div>
    </div>
  );
}
