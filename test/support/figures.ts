// Figures a test measures (the rotation guarantee, timings): printed only when asked for, with
// EXO_OAUTH_TEST_FIGURES=1, so `npm test` stays quiet (docs/development.md, "Tests").
//   EXO_OAUTH_TEST_FIGURES=1 npx vitest run test/components/rotation-timeline.test.ts
export const FIGURES_ENV = "EXO_OAUTH_TEST_FIGURES";

/** Whether this run prints figures. */
export function figuresWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return env[FIGURES_ENV] === "1";
}

/** Prints a title and lines, or a table of rows, when figures are wanted; nothing otherwise. */
export function printFigures(title: string, body: string | ReadonlyArray<Record<string, unknown>>): void {
  if (!figuresWanted()) return;
  console.log(`\n${title}`);
  if (typeof body === "string") console.log(body);
  else console.table(body);
}
