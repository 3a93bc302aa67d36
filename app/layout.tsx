import type { Metadata } from "next";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Process Monitor", template: "%s · Process Monitor" },
  description: "What runs on this workstation, what it printed, and control over it.",
};

export default function RootLayout({ children }: { children: React.ReactNode }) {
  return (
    <html lang="en">
      <body className="min-h-screen font-sans">{children}</body>
    </html>
  );
}
