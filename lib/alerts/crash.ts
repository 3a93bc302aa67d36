/** An end that counts as a crash: a non-zero code or a signal, unless a stop of ours sent it. */
export function isCrash(end: { exitCode: number | null; exitSignal: string | null; stopSignal: string | null }): boolean {
  if (end.stopSignal) return false;
  return (end.exitCode !== null && end.exitCode !== 0) || end.exitSignal !== null;
}
