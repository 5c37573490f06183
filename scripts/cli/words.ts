// Counts in words, as the tools print them: "1 mailbox", "3 mailboxes", "1 change" — never "(s)".

/** `n` and the noun in the form English uses for that number (plural: noun + "s" unless given). */
export function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
