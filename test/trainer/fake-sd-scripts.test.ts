import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pyFloat } from '../fakes/sd-scripts/fake-sd-scripts.js';
import { FAKE_LAUNCHER, FAKE_SD_SCRIPTS_DIR, givenRun, temporaryDir, type GivenRun } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
let run: GivenRun;

beforeAll(async () => {
  tmp = await temporaryDir('kiln-fake-');
  run = await givenRun(join(tmp.dir, 'run'));
});
afterAll(async () => {
  await tmp.remove();
});

/** Runs the fake script directly (no launcher), as `python train_network.py …` would. */
function script(name: string, args: string[], env: Record<string, string> = {}) {
  return execa(process.execPath, [join(FAKE_SD_SCRIPTS_DIR, name.replace('.py', '.js')), ...args], {
    cwd: FAKE_SD_SCRIPTS_DIR,
    reject: false,
    env,
  });
}

const configArgs = () => [
  '--config_file',
  run.written.configPath,
  '--dataset_config',
  run.written.datasetPath,
];

describe('fake sd-scripts command line (argparse)', () => {
  it('rejects an option that is not in sd-scripts-options.tsv with exit code 2', async () => {
    const result = await script('train_network.py', [...configArgs(), '--text_encoder_lr1', '1e-4']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toContain(
      'train_network.py: error: unrecognized arguments: --text_encoder_lr1 1e-4',
    );
  });

  it('rejects an SDXL-only option on train_network.py but accepts it on sdxl_train_network.py', async () => {
    const sd1 = await script('train_network.py', ['--cache_text_encoder_outputs', '--output_config']);
    expect(sd1.exitCode).toBe(2);
    expect(sd1.stderr).toContain('unrecognized arguments: --cache_text_encoder_outputs');
    const xl = await script('sdxl_train_network.py', ['--cache_text_encoder_outputs', '--output_config']);
    expect(xl.exitCode).toBe(0);
  });

  it('rejects bad values and invalid choices, and accepts unambiguous prefixes', async () => {
    const badInt = await script('train_network.py', ['--network_dim', 'abc']);
    expect(badInt.stderr).toContain("argument --network_dim: invalid int value: 'abc'");
    const badChoice = await script('train_network.py', ['--save_precision', 'fp8']);
    expect(badChoice.exitCode).toBe(2);
    expect(badChoice.stderr).toContain("invalid choice: 'fp8'");
    const ambiguous = await script('train_network.py', ['--network_d', '8']);
    expect(ambiguous.stderr).toMatch(
      /ambiguous option: --network_d could match --network_dim, --network_dropout/,
    );
    const prefix = await script('train_network.py', ['--output_conf']);
    expect(prefix.exitCode).toBe(0);
  });

  it('exits 1 with "not found." when the config file is missing', async () => {
    const result = await script('train_network.py', ['--config_file', join(tmp.dir, 'nope')]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain(`${join(tmp.dir, 'nope')}.toml not found.`);
  });
});

describe('fake sd-scripts config and dataset files', () => {
  it('ignores unknown config keys like sd-scripts (with a note) and still trains', async () => {
    const path = join(tmp.dir, 'extra-key.toml');
    await writeFile(path, `${await readFile(run.written.configPath, 'utf8')}\nnot_an_option = 3\n`);
    const result = await script('train_network.py', [
      '--config_file',
      path,
      '--dataset_config',
      run.written.datasetPath,
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain("config key 'not_an_option' is not an option");
    expect(result.stderr).toContain('model saved.');
  });

  it('raises on a config value of the wrong TOML type (resolution as an integer)', async () => {
    const path = join(tmp.dir, 'int-resolution.toml');
    await writeFile(
      path,
      (await readFile(run.written.configPath, 'utf8')).replace('resolution = "512"', 'resolution = 512'),
    );
    const result = await script('train_network.py', [
      '--config_file',
      path,
      '--dataset_config',
      run.written.datasetPath,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain("AttributeError: 'int' object has no attribute 'split'");
  });

  it('refuses dataset keys the schema does not allow, as voluptuous does', async () => {
    const path = join(tmp.dir, 'bad-dataset.toml');
    await writeFile(
      path,
      `[general]\nshuffle_captions = true\n[[datasets]]\n[[datasets.subsets]]\nimage_dir = "${run.imageDir}"\n`,
    );
    const result = await script('train_network.py', [
      '--config_file',
      run.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('Invalid user config');
    expect(result.stderr).toContain(
      "voluptuous.error.MultipleInvalid: extra keys not allowed @ data['general']['shuffle_captions']",
    );
  });

  it('refuses a subset without image_dir and a float where an int belongs', async () => {
    const path = join(tmp.dir, 'no-image-dir.toml');
    await writeFile(path, '[[datasets]]\nresolution = 512\n[[datasets.subsets]]\nnum_repeats = 10\n');
    const missing = await script('train_network.py', [
      '--config_file',
      run.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(missing.stderr).toContain(
      "required key not provided @ data['datasets'][0]['subsets'][0]['image_dir']",
    );
    await writeFile(
      path,
      `[[datasets]]\nbatch_size = 2.0\n[[datasets.subsets]]\nimage_dir = "${run.imageDir}"\n`,
    );
    const float = await script('train_network.py', [
      '--config_file',
      run.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(float.stderr).toContain("expected int for dictionary value @ data['datasets'][0]['batch_size']");
  });

  it('fails on an empty caption file', async () => {
    const empty = await givenRun(join(tmp.dir, 'empty-caption'));
    await writeFile(join(empty.imageDir, '1.txt'), '\n');
    const result = await script('train_network.py', [
      '--config_file',
      empty.written.configPath,
      '--dataset_config',
      empty.written.datasetPath,
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('caption file is empty');
  });

  it('says "No data found" and exits 0 when the images are not directly in image_dir', async () => {
    const nested = await givenRun(join(tmp.dir, 'nested'));
    const path = join(tmp.dir, 'parent-dataset.toml');
    await writeFile(
      path,
      `[[datasets]]\nresolution = 512\n[[datasets.subsets]]\nimage_dir = "${join(tmp.dir, 'nested', 'img')}"\n`,
    );
    const result = await script('train_network.py', [
      '--config_file',
      nested.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toContain('No data found. Please verify arguments');
  });

  it('snaps bucket limits to multiples of 64 with a warning and refuses bucket_reso_steps 32 on SD1', async () => {
    const path = join(tmp.dir, 'buckets.toml');
    const body = `[general]\nenable_bucket = true\nmin_bucket_reso = 480\nmax_bucket_reso = 1440\n[[datasets]]\nresolution = 768\n[[datasets.subsets]]\nimage_dir = "${run.imageDir}"\n`;
    await writeFile(path, body);
    const snapped = await script('train_network.py', [
      '--config_file',
      run.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(snapped.stderr).toContain(
      'min_bucket_reso is adjusted to be multiple of bucket_reso_steps: 480 -> 448',
    );
    expect(snapped.stderr).toContain(
      'max_bucket_reso is adjusted to be multiple of bucket_reso_steps: 1440 -> 1472',
    );
    await writeFile(path, body.replace('[general]\n', '[general]\nbucket_reso_steps = 32\n'));
    const steps = await script('train_network.py', [
      '--config_file',
      run.written.configPath,
      '--dataset_config',
      path,
    ]);
    expect(steps.exitCode).toBe(1);
    expect(steps.stderr).toContain('bucket_reso_steps is 32. it must be divisible by 64.');
  });

  it('refuses a missing base model file', async () => {
    const result = await script('train_network.py', [
      ...configArgs(),
      '--pretrained_model_name_or_path',
      join(tmp.dir, 'missing.safetensors'),
    ]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('is not a valid model file');
  });
});

describe('fake accelerate launch', () => {
  it('refuses an unknown launch flag and a script that is not there', async () => {
    const [node, launcher] = FAKE_LAUNCHER;
    const flag = await execa(node!, [launcher!, 'launch', '--bogus', 'train_network.py'], {
      cwd: FAKE_SD_SCRIPTS_DIR,
      reject: false,
    });
    expect(flag.exitCode).toBe(2);
    expect(flag.stderr).toContain('launch: error: unrecognized arguments: --bogus');
    const missing = await execa(node!, [launcher!, 'launch', 'nope.py'], {
      cwd: FAKE_SD_SCRIPTS_DIR,
      reject: false,
    });
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toContain("can't open file");
  });

  it('turns a failing script into exit code 1', async () => {
    const [node, ...rest] = FAKE_LAUNCHER;
    const result = await execa(node!, [...rest, 'train_network.py', '--network_dim', 'x'], {
      cwd: FAKE_SD_SCRIPTS_DIR,
      reject: false,
    });
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toContain('CalledProcessError');
  });
});

describe('pyFloat (Python float repr for ss_* metadata)', () => {
  it.each([
    [64, '64.0'],
    [0.00013580246913580247, '0.00013580246913580247'],
    [1e-5, '1e-05'],
    [6.790123456790123e-5, '6.790123456790123e-05'],
    [0.0001, '0.0001'],
    [1.5, '1.5'],
    [1e16, '1e+16'],
    [-2.5e-7, '-2.5e-07'],
  ])('prints %s as %s', (value, text) => {
    expect(pyFloat(value)).toBe(text);
  });
});
