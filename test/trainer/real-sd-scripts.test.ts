import { existsSync } from 'node:fs';
import { mkdir, readdir, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { readSafetensorsHeader } from '../../src/trainer/safetensors.ts';
import { REPO_ROOT, temporaryDir } from './helpers.ts';

/**
 * Opt-in: `kiln train` end to end against the real sd-scripts on this machine's CPU (TRAIN_DEVICE=cpu). Set
 *   KILN_REAL_SD_SCRIPTS_DIR   an sd-scripts folder at the pinned commit (src/trainer/sd-scripts-version.ts)
 *   KILN_REAL_SD_PYTHON        the Python of its virtual environment (torch, accelerate, its requirements)
 *   KILN_REAL_TOKENIZER_DIR    a folder holding openai_clip-vit-large-patch14 (vocab.json, merges.txt, …)
 * and optionally KILN_REAL_BASE_MODEL (a prepared SD 1.x model; otherwise the test builds a random tiny one with
 * test/fixtures/sd-scripts/build-tiny-sd1.py, about 1.6 GB). Several minutes on a CPU.
 */
const sdScriptsDir = process.env.KILN_REAL_SD_SCRIPTS_DIR;
const python = process.env.KILN_REAL_SD_PYTHON;
const tokenizerDir = process.env.KILN_REAL_TOKENIZER_DIR;
const missing = [
  ['KILN_REAL_SD_SCRIPTS_DIR', sdScriptsDir],
  ['KILN_REAL_SD_PYTHON', python],
  ['KILN_REAL_TOKENIZER_DIR', tokenizerDir],
].flatMap(([name, value]) => (value ? [] : [name]));
const skipReason =
  missing.length > 0
    ? `real sd-scripts test skipped: set ${missing.join(', ')} (see test/trainer/real-sd-scripts.test.ts)`
    : null;
if (skipReason) process.stdout.write(`${skipReason}\n`);

let tmp: Awaited<ReturnType<typeof temporaryDir>> | null = null;
afterAll(async () => {
  await tmp?.remove();
});

describe('kiln train with the real sd-scripts (opt-in)', () => {
  it('trains a tiny SD 1.x model for 2 epochs and writes the files, metadata and losses sd-scripts printed', async (context) => {
    if (skipReason || !sdScriptsDir || !python || !tokenizerDir) {
      context.skip(skipReason ?? 'not configured');
      return;
    }
    tmp = await temporaryDir('kiln-real-sds-');
    const dataDir = join(tmp.dir, 'data');
    const tokenizers = join(dataDir, 'sd-scripts', 'tokenizers');
    await mkdir(tokenizers, { recursive: true });
    await execa('cp', ['-r', join(tokenizerDir, 'openai_clip-vit-large-patch14'), tokenizers]);
    let model = process.env.KILN_REAL_BASE_MODEL;
    if (!model) {
      model = join(tmp.dir, 'tiny-sd1');
      await execa(python, [
        join(REPO_ROOT, 'test/fixtures/sd-scripts/build-tiny-sd1.py'),
        model,
        join(tokenizers, 'openai_clip-vit-large-patch14'),
      ]);
    }
    const list = join(tmp.dir, 'models.toml');
    await writeFile(
      list,
      `[[models]]\nname = "tiny"\nfile = "${model}"\nfamily = "sd1"\ntagStyle = "e621"\nclipSkip = 2\n`,
    );
    const dataset = join(tmp.dir, 'dataset');
    await mkdir(dataset);
    for (const [index, colour] of ['#c02020', '#2040c0'].entries()) {
      await sharp({ create: { width: 64, height: 64, channels: 3, background: colour } })
        .png()
        .toFile(join(dataset, `img${index}.png`));
      await writeFile(
        join(dataset, `img${index}.txt`),
        `tinychar, solo, ${index === 0 ? 'red' : 'blue'} background\n`,
      );
    }
    const runDir = join(tmp.dir, 'run');
    const result = await execa(
      'node_modules/.bin/tsx',
      [
        'src/cli/main.ts',
        'train',
        dataset,
        '--base-model',
        'tiny',
        '--out',
        runDir,
        '--resolution',
        '64',
        '--epochs',
        '2',
        '--repeats',
        '1',
        '--batch-size',
        '1',
      ],
      {
        cwd: REPO_ROOT,
        reject: false,
        env: {
          DATA_DIR: dataDir,
          BASE_MODELS_FILE: list,
          SD_SCRIPTS_DIR: sdScriptsDir,
          SD_SCRIPTS_LAUNCHER: JSON.stringify([
            python,
            '-m',
            'accelerate.commands.launch',
            '--num_cpu_threads_per_process',
            '2',
          ]),
          TRAIN_DEVICE: 'cpu',
          HF_HUB_OFFLINE: '1',
        },
        timeout: 45 * 60_000,
      },
    );
    expect(result.stderr).not.toContain('Traceback');
    expect(result.exitCode).toBe(0);
    const output = join(runDir, 'output');
    const files = (await readdir(output)).sort();
    expect(files).toEqual(['info.txt', 'tinychar-000001.safetensors', 'tinychar.safetensors']);
    for (const [file, epoch] of [
      ['tinychar-000001.safetensors', '1'],
      ['tinychar.safetensors', '2'],
    ] as const) {
      const header = await readSafetensorsHeader(join(output, file));
      expect(header.metadata).toMatchObject({
        ss_epoch: epoch,
        ss_network_module: 'networks.lora',
        ss_num_train_images: '2',
        ss_max_train_steps: '4',
        ss_mixed_precision: 'no',
        ss_output_name: 'tinychar',
      });
      expect((await stat(join(output, file))).size).toBeGreaterThan(1000);
    }
    // The epoch losses Kiln printed are the avr_loss of each epoch's last step in sd-scripts' own log.
    const epochLosses = [...String(result.stdout).matchAll(/^epoch (\d) done, average loss (\S+)$/gm)].map(
      (m) => [Number(m[1]), Number(m[2])],
    );
    expect(epochLosses.map(([epoch]) => epoch)).toEqual([1, 2]);
    expect(epochLosses.every(([, loss]) => Number.isFinite(loss))).toBe(true);
    expect(
      existsSync(join(dataDir, 'sd-scripts', 'tokenizers', 'openai_clip-vit-large-patch14', 'vocab.json')),
    ).toBe(true);
  });
});
