import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyCheckpoint } from '../../helpers/checkpoint.ts';
import {
  FAKE_LAUNCHER,
  FAKE_SD_SCRIPTS_DIR,
  REPO_ROOT,
  temporaryDir,
  writeJpeg,
} from '../../trainer/helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let dataset: string;
let env: Record<string, string>;

function kiln(args: string[], extraEnv: Record<string, string> = {}) {
  return execa(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args], {
    cwd: REPO_ROOT,
    reject: false,
    env: { ...env, ...extraEnv },
  });
}

beforeAll(async () => {
  tmp = await temporaryDir('kiln-cli-train-');
  dataset = join(tmp.dir, 'dataset');
  await mkdir(dataset);
  for (let i = 0; i < 4; i++) {
    await writeJpeg(join(dataset, `post ${i}.jpg`), 800, 600 + i * 100);
    const extra = i === 0 ? ', headshot portrait' : '';
    await writeFile(join(dataset, `post ${i}.txt`), `krystal, solo, blue fur${extra}\n`);
  }
  await writeFile(join(dataset, 'info.txt'), 'Krystal: blue vixen, tribal markings.');
  writeTinyCheckpoint(join(tmp.dir, 'model.safetensors'), 'sd1');
  await writeFile(
    join(tmp.dir, 'models.json'),
    JSON.stringify([{ name: 'testmix', file: 'model.safetensors', family: 'sd1', tagStyle: 'e621' }]),
  );
  env = {
    SD_SCRIPTS_DIR: FAKE_SD_SCRIPTS_DIR,
    SD_SCRIPTS_LAUNCHER: JSON.stringify(FAKE_LAUNCHER),
    BASE_MODELS_FILE: join(tmp.dir, 'models.json'),
    DATA_DIR: join(tmp.dir, 'data'),
    GPU_MEMORY_GB: '24',
  };
});
afterAll(async () => {
  await tmp.remove();
});

describe('kiln plan', () => {
  it('prints the plan for a folder with every number and its reason', async () => {
    const result = await kiln([
      'plan',
      dataset,
      '--strength',
      '1.2',
      '--preset',
      'trash',
      '--base-model',
      'TESTMIX',
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain(`Dataset: ${dataset} (4 images, flat layout)`);
    expect(result.stdout).toContain('Base model         testmix (sd1, e621 tags)');
    expect(result.stdout).toContain('Headshots          1 (25%)');
    expect(result.stdout).toContain('L = S / (R·E·I) = 1.2 / (10 · 10 · 4) = 0.003 (3e-3)');
    expect(result.stdout).toMatch(/Total steps\s+\d+\n/);
    expect(result.stdout).toContain('Only 4 images');
  });

  it('refuses an unknown base model, listing the known ones', async () => {
    const result = await kiln(['plan', dataset, '--base-model', 'nope']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Unknown base model "nope". Known base models: testmix.');
  });

  it('refuses a strength above 3', async () => {
    const result = await kiln(['plan', dataset, '--strength', '3.5']);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Strength must be above 0 and at most 3');
  });
});

describe('kiln train', () => {
  it('materializes the folder, trains with the fake sd-scripts and writes info.txt', async () => {
    const out = join(tmp.dir, 'run');
    const result = await kiln([
      'train',
      dataset,
      '--base-model',
      'testmix',
      '--epochs',
      '2',
      '--out',
      out,
      '--sample-prompt',
      'krystal, solo',
    ]);
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toContain('epoch 1/2');
    expect(result.stdout).toContain(`saved epoch 1: ${join(out, 'output', 'krystal-000001.safetensors')}`);
    expect(result.stdout).toContain('samples for epoch 2: 1');
    expect(result.stdout).toMatch(/sha256: [0-9a-f]{64}/);
    expect(existsSync(join(out, 'img', '10_krystal', 'post_0.jpg'))).toBe(true);
    expect(existsSync(join(out, 'output', 'krystal.safetensors'))).toBe(true);
    const info = await readFile(join(out, 'output', 'info.txt'), 'utf8');
    expect(info).toContain('Krystal: blue vixen, tribal markings.');
    expect(info).toContain('Base model: testmix (SD 1.x, e621 tags)');
    expect(info).toContain('--sample_sampler euler');
  });

  it('reports a failed training with its reason and exit code 1', async () => {
    const result = await kiln(
      ['train', dataset, '--base-model', 'testmix', '--epochs', '1', '--out', join(tmp.dir, 'run-fail')],
      {
        KILN_FAKE_SDS_FAIL: 'nodata',
      },
    );
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Training failed (no-data)');
  });

  it('refuses to start without SD_SCRIPTS_DIR', async () => {
    const result = await kiln(['train', dataset, '--base-model', 'testmix'], { SD_SCRIPTS_DIR: '' });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Set SD_SCRIPTS_DIR');
  });
});
