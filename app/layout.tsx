import type { Metadata } from "next";
import { headers } from "next/headers";
import { Header } from "@/components/header";
import { WatchNotifier } from "@/components/watch-notifier";
import { isHub } from "@/lib/fleet/hub/server";
import { workstationAgentStatus } from "@/lib/fleet/agent/start";
import { processes } from "@/lib/processes/server";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Process Monitor", template: "%s · Process Monitor" },
  description: "What runs on this workstation, what it printed, and control over it.",
};

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // proxy.ts has checked the request and says who it is (a client cannot set this).
  const requestHeaders = await headers();
  const signedIn = requestHeaders.get("x-pm-auth") !== null;
  const host = signedIn ? await processes().host() : null;
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">
        <Header
          host={host}
          viewer={requestHeaders.get("x-pm-role") === "viewer"}
          hub={isHub()}
          reporting={signedIn ? workstationAgentStatus() : null}
        />
        <main className="mx-auto max-w-[1600px] px-4 py-6 sm:px-6">{children}</main>
        {signedIn && <WatchNotifier />}
      </body>
    </html>
  );
}
