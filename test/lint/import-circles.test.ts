import { createRequire } from 'node:module';
import { cruise, type ICruiseOptions, type IReporterOutput } from 'dependency-cruiser';
import { describe, expect, it } from 'vitest';

/** The rules `npm run check` gives dependency-cruiser, tried on src and on a fixture with a circle. */
const ruleSet = createRequire(import.meta.url)(
  '../../.dependency-cruiser.cjs',
) as ICruiseOptions['ruleSet'] & {
  options: ICruiseOptions;
};

async function violations(paths: string[]): Promise<string[]> {
  const { options, ...rules } = ruleSet;
  const result: IReporterOutput = await cruise(paths, { ...options, ruleSet: rules, validate: true });
  if (typeof result.output === 'string') throw new Error('expected the JSON result');
  return result.output.summary.violations.map((violation) => `${violation.rule.name}: ${violation.from}`);
}

describe('import circles', { timeout: 120_000 }, () => {
  it('are reported when two modules import each other', async () => {
    expect(await violations(['test/fixtures/import-circle'])).toEqual([
      expect.stringMatching(/^no-circular: test\/fixtures\/import-circle\/(egg|hen)\.ts$/),
    ]);
  });

  it('are none in src, and the core imports nothing but itself', async () => {
    expect(await violations(['src'])).toEqual([]);
  });
});
