"use client";

import { useRouter } from "next/navigation";
import { useEffect, useRef, useState } from "react";
import { listHref, type ListPageState as ListQuery } from "@/lib/processes/query-params";

/** Search by name, executable, arguments, pid or hash; kept in the URL (bookmarkable). */
export function SearchBox({ query, base = "/" }: { query: ListQuery & { host?: string }; base?: string }) {
  const router = useRouter();
  const [text, setText] = useState(query.q);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(query);
  useEffect(() => {
    latest.current = query;
  }, [query]);

  useEffect(
    () => () => {
      if (timer.current) clearTimeout(timer.current);
    },
    [],
  );

  return (
    <label className="relative block w-full max-w-sm">
      <span className="sr-only">Search processes</span>
      <input
        type="search"
        value={text}
        placeholder="Search name, executable, arguments, pid…"
        onChange={(event) => {
          const value = event.target.value;
          setText(value);
          if (timer.current) clearTimeout(timer.current);
          timer.current = setTimeout(() => router.replace(listHref(latest.current, { q: value, page: 1 }, base), { scroll: false }), 250);
        }}
        className="w-full rounded-md border border-zinc-300 bg-white px-3 py-1.5 text-sm shadow-sm placeholder:text-zinc-400 focus:border-indigo-500 focus:outline-none focus:ring-2 focus:ring-indigo-500/30 dark:border-zinc-700 dark:bg-zinc-900"
      />
    </label>
  );
}
