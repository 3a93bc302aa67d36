/** A long path shortened in the middle (keeping the file name), full text on hover. */
export function MiddleTruncate({ text, max = 48, className = "" }: { text: string; max?: number; className?: string }) {
  const short = text.length <= max ? text : `${text.slice(0, Math.ceil((max - 1) * 0.4))}…${text.slice(-Math.floor((max - 1) * 0.6))}`;
  return (
    <span title={text} className={`font-mono ${className}`}>
      {short}
    </span>
  );
}
