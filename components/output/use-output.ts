"use client";

import { useCallback, useEffect, useRef, useState } from "react";
import { splitLines } from "@/lib/output/terminal";

export const CHUNK_BYTES = 256 * 1024;
/** Lines kept in the browser at most; beyond, the far side is dropped (and reloaded on demand). */
export const MAX_LINES = 200_000;

const encoder = new TextEncoder();

export interface OutputState {
  lines: string[];
  /** Byte offset of each line's start. */
  offsets: number[];
  /** Text after the last newline (a line being written, e.g. a progress bar). */
  partial: string;
  /** Byte offset just past what is loaded (complete lines and partial). */
  end: number;
  size: number;
  /** Loaded up to the end of the file and receiving appends. */
  attached: boolean;
  firstLineNumber: number | null;
  status: "loading" | "ready" | "missing" | "error";
  message: string | null;
}

export interface RangeResponse {
  start: number;
  end: number;
  size: number;
  text: string;
}

function toLines(text: string, start: number): { lines: string[]; offsets: number[]; partial: string } {
  // The unfinished last line as written: a "\r" at its end is a progress bar about to redraw,
  // or the first half of a "\r\n"; stripped, the next chunk was glued onto the old text.
  const cut = text.lastIndexOf("\n");
  const partial = text.slice(cut + 1);
  const complete = cut < 0 ? null : text.slice(0, cut);
  const pieces = complete === null ? [] : splitLines(complete);
  const raw = complete === null ? [] : complete.split("\n");
  const offsets: number[] = [];
  let at = start;
  // Byte offsets need each line's UTF-8 length; raw "\r\n" endings count two bytes.
  for (let i = 0; i < pieces.length; i++) {
    offsets.push(at);
    at += encoder.encode(raw[i]!).length + 1;
  }
  return { lines: pieces, offsets, partial };
}

/** A window holding exactly one range; a cut-off last line is left for the next load. */
function stateFromRange(range: RangeResponse): OutputState {
  const { lines, offsets, partial } = toLines(range.text, range.start);
  const attached = range.end >= range.size;
  return {
    lines,
    offsets,
    partial: attached ? partial : "",
    end: attached ? range.end : range.end - encoder.encode(partial).length,
    size: range.size,
    attached,
    firstLineNumber: range.start === 0 ? 1 : null,
    status: "ready",
    message: null,
  };
}

const initial: OutputState = {
  lines: [],
  offsets: [],
  partial: "",
  end: 0,
  size: 0,
  attached: false,
  firstLineNumber: null,
  status: "loading",
  message: null,
};

/**
 * The loaded window of an output file: the tail first, earlier chunks on demand, a
 * window around any byte (search hits), and live appends while attached to the end.
 */
/** `api`: the record's API path (`/api/processes/<hash>`, or a fleet record's through the hub). */
export function useOutput(api: string, first?: RangeResponse) {
  const [state, setState] = useState<OutputState>(() => (first ? stateFromRange(first) : initial));
  const [appended, setAppended] = useState(0);
  const loadingEarlier = useRef(false);
  const base = `${api}/output`;

  const fetchRange = useCallback(
    async (params: Record<string, string | number>): Promise<RangeResponse | { missing: string } | { error: string }> => {
      const query = new URLSearchParams({
        format: "json",
        align: "lines",
        ...Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)])),
      });
      const response = await fetch(`${base}?${query}`, { cache: "no-store" });
      const body = await response.json().catch(() => ({ error: `HTTP ${response.status}` }));
      if (response.status === 404) return { missing: body.error ?? "The output file is missing." };
      if (!response.ok) return { error: body.error ?? `HTTP ${response.status}` };
      return body as RangeResponse;
    },
    [base],
  );

  const numberFrom = useCallback(
    async (offset: number) => {
      if (offset === 0) return 1;
      try {
        const response = await fetch(`${api}/output/line?offset=${offset}`, { cache: "no-store" });
        return response.ok ? ((await response.json()) as { line: number }).line : null;
      } catch {
        return null;
      }
    },
    [api],
  );

  // Line numbers for a first window that did not start at the top of the file.
  const needsNumbers = useRef(first !== undefined && first.start > 0);
  useEffect(() => {
    if (!needsNumbers.current || !first) return;
    needsNumbers.current = false;
    void numberFrom(first.start).then((line) => setState((s) => (s.offsets[0] === first.start ? { ...s, firstLineNumber: line } : s)));
  }, [first, numberFrom]);

  /** Replaces the window with the bytes around `offset` (or the tail when undefined). */
  const loadWindow = useCallback(
    async (offset?: number) => {
      const result = await fetchRange(offset === undefined ? { length: CHUNK_BYTES } : { offset, length: CHUNK_BYTES });
      if ("missing" in result) return setState({ ...initial, status: "missing", message: result.missing });
      if ("error" in result) return setState((s) => ({ ...s, status: "error", message: result.error }));
      setState(stateFromRange(result));
      setAppended(0);
      if (result.start > 0) {
        const first = await numberFrom(result.start);
        setState((s) => (s.offsets[0] === result.start ? { ...s, firstLineNumber: first } : s));
      }
    },
    [fetchRange, numberFrom],
  );

  /** Prepends the chunk before the first loaded line; resolves to how many lines came. */
  const loadEarlier = useCallback(async (): Promise<number> => {
    const start = state.offsets[0] ?? state.end;
    if (loadingEarlier.current || start <= 0 || state.status !== "ready") return 0;
    loadingEarlier.current = true;
    try {
      const from = Math.max(0, start - CHUNK_BYTES);
      const result = await fetchRange({ offset: from, length: start - from });
      if ("missing" in result || "error" in result) return 0;
      const { lines, offsets } = toLines(result.text, result.start);
      if (lines.length === 0) return 0;
      setState((s) => {
        if ((s.offsets[0] ?? s.end) !== start) return s;
        let nextLines = [...lines, ...s.lines];
        let nextOffsets = [...offsets, ...s.offsets];
        let { attached, partial, end } = s;
        if (nextLines.length > MAX_LINES) {
          // Too much in memory: let go of the newest lines; "jump to end" brings them back.
          end = nextOffsets[MAX_LINES]!;
          nextLines = nextLines.slice(0, MAX_LINES);
          nextOffsets = nextOffsets.slice(0, MAX_LINES);
          attached = false;
          partial = "";
        }
        return {
          ...s,
          lines: nextLines,
          offsets: nextOffsets,
          attached,
          partial,
          end,
          firstLineNumber: s.firstLineNumber === null ? (result.start === 0 ? 1 : null) : s.firstLineNumber - lines.length,
        };
      });
      return lines.length;
    } finally {
      loadingEarlier.current = false;
    }
  }, [fetchRange, state.offsets, state.end, state.status]);

  // Live appends while attached to the end of the file.
  useEffect(() => {
    if (!state.attached || state.status !== "ready") return;
    const source = new EventSource(`${base}?follow=1&offset=${state.end}`);
    let expected = state.end;
    source.addEventListener("append", (event) => {
      const data = JSON.parse((event as MessageEvent).data) as { start: number; end: number; text: string };
      if (data.start !== expected) return;
      expected = data.end;
      const completed = data.text.split("\n").length - 1;
      if (completed > 0) setAppended((n) => n + completed);
      setState((s) => {
        const combined = s.partial + data.text;
        const partialStart = s.end - encoder.encode(s.partial).length;
        const { lines, offsets, partial } = toLines(combined, partialStart);
        let nextLines = s.lines.concat(lines);
        let nextOffsets = s.offsets.concat(offsets);
        let firstLineNumber = s.firstLineNumber;
        if (nextLines.length > MAX_LINES) {
          const drop = nextLines.length - MAX_LINES;
          nextLines = nextLines.slice(drop);
          nextOffsets = nextOffsets.slice(drop);
          firstLineNumber = firstLineNumber === null ? null : firstLineNumber + drop;
        }
        return { ...s, lines: nextLines, offsets: nextOffsets, partial, end: data.end, size: Math.max(s.size, data.end), firstLineNumber };
      });
    });
    source.addEventListener("reset", () => {
      source.close();
      void loadWindow();
    });
    source.addEventListener("missing", (event) => {
      source.close();
      setState((s) => ({ ...s, status: "missing", message: JSON.parse((event as MessageEvent).data).message }));
    });
    return () => source.close();
    // Reconnect only when the window is replaced, not on every append.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [base, state.attached, state.status, state.offsets[0], loadWindow]);

  const loadedFirst = useRef(first !== undefined);
  useEffect(() => {
    if (loadedFirst.current) return;
    loadedFirst.current = true;
    // Without a tail from the server, fetch one; its state lands when it answers.
    void loadWindow();
  }, [loadWindow]);

  return { state, appended, resetAppended: () => setAppended(0), loadWindow, loadEarlier };
}
