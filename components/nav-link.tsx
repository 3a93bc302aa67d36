"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

/** Which pages each header link stands for: the list and its records' pages, the fleet and its pages, … */
function isCurrent(href: string, pathname: string): boolean {
  if (href === "/") return pathname === "/" || pathname.startsWith("/processes/");
  return pathname === href || pathname.startsWith(`${href}/`);
}

/** A header link that marks the page you are on (aria-current, and a filled look). */
export function NavLink({ href, children, muted = false }: { href: string; children: React.ReactNode; muted?: boolean }) {
  const current = isCurrent(href, usePathname() ?? "");
  return (
    <Link
      href={href}
      aria-current={current ? "page" : undefined}
      className={`whitespace-nowrap rounded-md px-2 py-1.5 sm:px-3 hover:bg-zinc-100 dark:hover:bg-zinc-800 ${
        current
          ? "bg-zinc-100 font-medium text-zinc-900 dark:bg-zinc-800 dark:text-zinc-100"
          : muted
            ? "text-zinc-600 dark:text-zinc-400"
            : ""
      }`}
    >
      {children}
    </Link>
  );
}
