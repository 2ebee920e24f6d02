import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const read = (file: string) => readFile(join(ROOT, file), 'utf8');

/** The variables the config loader declares (the only place Kiln reads the environment). */
async function declaredVariables(): Promise<string[]> {
  const source = await read('src/config/env.ts');
  return [...new Set([...source.matchAll(/^\s+([A-Z][A-Z0-9_]{2,}): z\b/gm)].map((match) => match[1] ?? ''))];
}

describe('every variable Kiln reads', () => {
  it('is found in the config loader', async () => {
    expect(await declaredVariables()).toEqual(
      expect.arrayContaining(['DISCORD_TOKEN', 'TRAIN_EPOCH_SAMPLES']),
    );
  });

  it('has a row in the README configuration table', async () => {
    const readme = await read('README.md');
    const rows = readme.split('\n').filter((line) => line.startsWith('| `'));
    const missing = (await declaredVariables()).filter(
      (name) => !rows.some((row) => row.includes(`\`${name}\``)),
    );
    expect(missing).toEqual([]);
  });

  it('is listed in .env.example', async () => {
    const example = await read('.env.example');
    const missing = (await declaredVariables()).filter(
      (name) => !new RegExp(`^(# )?${name}=`, 'm').test(example),
    );
    expect(missing).toEqual([]);
  });
});
