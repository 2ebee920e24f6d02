/**
 * `npm run bench [name…]`: runs the benchmarks (all, or those named), each printing its figures and a
 * ratio against a baseline measured in the same run. Never part of the test suite.
 */
const benchmarks = {
  acquire: () => import('./acquire.ts'),
  autotag: () => import('./autotag.ts'),
  votes: () => import('./votes.ts'),
  materialize: () => import('./materialize.ts'),
} as const;

type Name = keyof typeof benchmarks;

const requested = process.argv.slice(2);
const unknown = requested.filter((name) => !(name in benchmarks));
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown benchmark(s) ${unknown.join(', ')}; known: ${Object.keys(benchmarks).join(', ')}\n`,
  );
  process.exit(2);
}
const names = (requested.length > 0 ? requested : Object.keys(benchmarks)) as Name[];
for (const name of names) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const started = performance.now();
  const { run } = await benchmarks[name]();
  await run();
  process.stdout.write(`(${name} took ${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
}
process.exit(0);
