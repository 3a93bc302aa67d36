"use client";

import { ErrorPanel } from "@/components/error-panel";

export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  return (
    <ErrorPanel
      title="The registry could not be read"
      message={error.message}
      hint="Nothing was changed. If another program holds the registry locked, trying again in a moment usually works."
      reset={reset}
    />
  );
}
