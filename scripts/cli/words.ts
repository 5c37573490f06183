// Counts and durations in words, as the tools print them: "1 mailbox", "3 mailboxes", "1 change" —
// never "(s)"; "850 ms", "95 s", "16 min".

/** `n` and the noun in the form English uses for that number (plural: noun + "s" unless given). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** 850 → "850 ms", 95000 → "95 s" (exact enough for budgets and deadlines). */
export function duration(ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${Math.round(ms / 1000)} s`;
}

/**
 * For progress and summaries, where a person wants the order of magnitude: as duration() below
 * 2 minutes, then whole minutes ("16 min"), then hours and minutes ("2 h 05 min").
 */
export function roughDuration(ms: number): string {
  if (ms < 120_000) return duration(ms);
  const minutes = Math.round(ms / 60_000);
  if (minutes < 120) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, "0")} min`;
}
