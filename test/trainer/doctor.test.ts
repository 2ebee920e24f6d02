import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canTrain, checkpointFamily, formatReport, type DoctorCheck } from '../../src/core/doctor/report.ts';
import {
  checkBaseModel,
  checkBaseModels,
  checkFreeDisk,
  checkPython,
  checkSdScripts,
  checkTokenizerCache,
  familyMismatch,
  runDoctor,
  type DoctorOptions,
} from '../../src/trainer/doctor.ts';
import { FAKE_SD_SCRIPTS_DIR, temporaryDir } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
const FAKE_PYTHON = [process.execPath, join(FAKE_SD_SCRIPTS_DIR, 'python.js')];

/** A safetensors file with these tensor names (one F16 element each). */
async function checkpoint(path: string, names: readonly string[]): Promise<string> {
  const header: Record<string, unknown> = { __metadata__: {} };
  names.forEach((name, index) => {
    header[name] = { dtype: 'F16', shape: [1], data_offsets: [index * 2, index * 2 + 2] };
  });
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  await writeFile(path, Buffer.concat([length, Buffer.from(json), Buffer.alloc(names.length * 2)]));
  return path;
}
const SD1_KEYS = [
  'model.diffusion_model.input_blocks.0.0.weight',
  'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
  'first_stage_model.encoder.conv_in.weight',
];
const SDXL_KEYS = [
  'model.diffusion_model.label_emb.0.0.weight',
  'conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight',
  'conditioner.embedders.1.model.token_embedding.weight',
];

function byName(checks: readonly DoctorCheck[], name: string): DoctorCheck {
  const check = checks.find((c) => c.name === name);
  if (!check) throw new Error(`no check ${name} in ${checks.map((c) => c.name).join(', ')}`);
  return check;
}

function probe(overrides: object | 'crash', device: 'cuda' | 'cpu' = 'cuda', launcher = FAKE_PYTHON) {
  const env = { KILN_FAKE_PROBE: overrides === 'crash' ? 'crash' : JSON.stringify(overrides) };
  const previous = process.env.KILN_FAKE_PROBE;
  process.env.KILN_FAKE_PROBE = env.KILN_FAKE_PROBE;
  const options: DoctorOptions = {
    sdScriptsDir: FAKE_SD_SCRIPTS_DIR,
    launcher,
    baseModelsFile: undefined,
    dataDir: tmp.dir,
    device,
  };
  return checkPython(options).finally(() => {
    if (previous === undefined) delete process.env.KILN_FAKE_PROBE;
    else process.env.KILN_FAKE_PROBE = previous;
  });
}

beforeAll(async () => {
  tmp = await temporaryDir('kiln-doctor-');
});
afterAll(async () => {
  await tmp.remove();
});

describe('sd-scripts folder and version', () => {
  const version = {
    commit: 'a'.repeat(40),
    describe: 'v9.9.9',
    // sha256 of "print('train')\n"
    fingerprints: { 'train_network.py': '' },
  };

  it('fails without SD_SCRIPTS_DIR and for a folder without the training scripts', async () => {
    expect(await checkSdScripts(undefined)).toMatchObject([{ name: 'sd-scripts folder', status: 'fail' }]);
    const empty = join(tmp.dir, 'empty');
    await mkdir(empty);
    const [check] = await checkSdScripts(empty);
    expect(check).toMatchObject({
      status: 'fail',
      detail: `${empty} has no train_network.py or sdxl_train_network.py`,
    });
    expect(check?.fix).toContain('48d368fa557731ad0488c07304dfeba8c07910eb');
  });

  it('tells the pinned version by file fingerprints in a folder without git, and names a changed file', async () => {
    const dir = join(tmp.dir, 'archive');
    await mkdir(dir);
    await writeFile(join(dir, 'train_network.py'), "print('train')\n");
    await writeFile(join(dir, 'sdxl_train_network.py'), '');
    const { createHash } = await import('node:crypto');
    const digest = createHash('sha256').update("print('train')\n").digest('hex');
    const matching = await checkSdScripts(dir, { ...version, fingerprints: { 'train_network.py': digest } });
    expect(byName(matching, 'sd-scripts version')).toMatchObject({ status: 'ok' });
    const other = await checkSdScripts(dir, {
      ...version,
      fingerprints: { 'train_network.py': 'f'.repeat(64) },
    });
    expect(byName(other, 'sd-scripts version')).toMatchObject({
      status: 'fail',
      detail:
        'train_network.py differ from v9.9.9 (aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa): another sd-scripts version',
    });
  });

  it('compares a git checkout by its HEAD commit', async () => {
    const dir = join(tmp.dir, 'checkout');
    await mkdir(dir);
    await writeFile(join(dir, 'train_network.py'), '');
    await writeFile(join(dir, 'sdxl_train_network.py'), '');
    const git = (...args: string[]) =>
      execa('git', ['-C', dir, '-c', 'user.name=t', '-c', 'user.email=t@t', ...args]);
    await git('init', '-q');
    await git('add', '.');
    await git('commit', '-qm', 'x');
    const head = String((await git('rev-parse', 'HEAD')).stdout).trim();
    expect(byName(await checkSdScripts(dir, { ...version, commit: head }), 'sd-scripts version').status).toBe(
      'ok',
    );
    const wrong = byName(await checkSdScripts(dir, version), 'sd-scripts version');
    expect(wrong).toMatchObject({
      status: 'fail',
      detail: `git checkout at ${head}, Kiln needs v9.9.9 (${'a'.repeat(40)})`,
    });
    expect(wrong.fix).toContain(`checkout ${'a'.repeat(40)}`);
  });
});

describe('launcher, Python, torch, accelerate and CUDA (one probe through the launcher)', () => {
  it('passes on a healthy CUDA box and names the GPU and its memory', async () => {
    const checks = await probe({});
    expect(checks.map((c) => [c.name, c.status])).toEqual([
      ['launcher', 'ok'],
      ['python', 'ok'],
      ['torch', 'ok'],
      ['accelerate', 'ok'],
      ['sd-scripts imports', 'ok'],
      ['cuda', 'ok'],
    ]);
    expect(byName(checks, 'cuda').detail).toBe('NVIDIA GeForce RTX 4090, 24.0 GiB');
  });

  it('fails a launcher that is not installed, or that cannot run the probe, with the fix', async () => {
    const missing = await probe({}, 'cuda', ['kiln-no-such-accelerate', 'launch']);
    expect(missing).toEqual([
      expect.objectContaining({
        name: 'launcher',
        status: 'fail',
        detail: expect.stringContaining('"kiln-no-such-accelerate" was not found') as string,
      }),
    ]);
    expect(missing[0]?.fix).toContain('SD_SCRIPTS_LAUNCHER');
    const crashed = await probe('crash');
    expect(crashed[0]).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('exited with code 1: SyntaxError: bad') as string,
    });
  });

  it('fails a Python without torch (and does not pretend to know about CUDA)', async () => {
    const checks = await probe({
      torch: { ok: false, error: "ModuleNotFoundError: No module named 'torch'" },
    });
    expect(byName(checks, 'torch')).toMatchObject({
      status: 'fail',
      detail: "not importable by /opt/venv/bin/python3.10 (ModuleNotFoundError: No module named 'torch')",
    });
    expect(byName(checks, 'torch').fix).toContain('/opt/venv/bin/pip install torch');
    expect(byName(checks, 'cuda')).toMatchObject({ status: 'fail', detail: 'not checked: torch is missing' });
  });

  it('fails accelerate or sd-scripts imports that are broken, and an old Python', async () => {
    const checks = await probe({
      python: '3.8.10',
      accelerate: { ok: false, error: "ModuleNotFoundError: No module named 'accelerate'" },
      sd_scripts: { ok: false, error: 'RuntimeError: operator torchvision::nms does not exist' },
    });
    expect(byName(checks, 'python')).toMatchObject({
      status: 'fail',
      detail: 'Python 3.8.10, sd-scripts needs 3.10 or newer',
    });
    expect(byName(checks, 'accelerate').status).toBe('fail');
    expect(byName(checks, 'sd-scripts imports')).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('operator torchvision::nms does not exist') as string,
    });
  });

  it('fails a box without CUDA, unless TRAIN_DEVICE=cpu allows CPU training', async () => {
    const noCuda = { cuda: { available: false } };
    const refused = byName(await probe(noCuda), 'cuda');
    expect(refused).toMatchObject({ status: 'fail', detail: 'torch 2.5.1+cu124 sees no CUDA GPU' });
    expect(refused.fix).toContain('TRAIN_DEVICE=cpu');
    expect(byName(await probe(noCuda, 'cpu'), 'cuda')).toMatchObject({
      status: 'warn',
      detail: 'no CUDA GPU; CPU training allowed by TRAIN_DEVICE=cpu (fp32, very slow)',
    });
  });
});

describe('base models', () => {
  it('tells SD 1.x and SDXL checkpoints apart by their tensor names', () => {
    expect(checkpointFamily(SD1_KEYS)).toBe('sd1');
    expect(checkpointFamily(SDXL_KEYS)).toBe('sdxl');
    expect(checkpointFamily(['cond_stage_model.model.token_embedding.weight'])).toBe('sd2');
    expect(checkpointFamily(['foo'])).toBe('unknown');
  });

  it('passes a file that matches its family, a Diffusers folder, and fails the rest with the fix', async () => {
    const sd1 = await checkpoint(join(tmp.dir, 'sd1.safetensors'), SD1_KEYS);
    const sdxl = await checkpoint(join(tmp.dir, 'sdxl.safetensors'), SDXL_KEYS);
    const ckpt = join(tmp.dir, 'old.ckpt');
    await writeFile(ckpt, 'PK\u0003\u0004 pickled weights');
    const folder = join(tmp.dir, 'diffusers');
    await mkdir(folder);
    await writeFile(
      join(folder, 'model_index.json'),
      JSON.stringify({ _class_name: 'StableDiffusionPipeline' }),
    );
    const model = (name: string, file: string, family: 'sd1' | 'sdxl') => ({
      name,
      file,
      family,
      tagStyle: 'e621' as const,
    });

    expect(await checkBaseModel(model('a', sd1, 'sd1'))).toMatchObject({
      status: 'ok',
      detail: `${sd1} (SD 1.x)`,
    });
    expect(await checkBaseModel(model('f', folder, 'sd1'))).toMatchObject({ status: 'ok' });
    const declaredWrong = await checkBaseModel(model('pony', sdxl, 'sd1'));
    expect(declaredWrong).toMatchObject({
      name: 'base model pony',
      status: 'fail',
      detail: `${sdxl} is SDXL, but BASE_MODELS_FILE declares it SD 1.x (family = "sd1")`,
      fix: 'set family = "sdxl" for it in BASE_MODELS_FILE.',
    });
    expect(await checkBaseModel(model('old', ckpt, 'sd1'))).toMatchObject({
      status: 'fail',
      detail: `${ckpt}: not a safetensors file (Kiln trains from .safetensors checkpoints or Diffusers folders)`,
    });
    expect(await checkBaseModel(model('gone', join(tmp.dir, 'gone.safetensors'), 'sd1'))).toMatchObject({
      status: 'fail',
      detail: `${join(tmp.dir, 'gone.safetensors')} does not exist`,
    });
  });

  it('refuses a training whose checkpoint is plainly of another family, leaving unreadable files to doctor', async () => {
    const sdxl = await checkpoint(join(tmp.dir, 'mismatch-sdxl.safetensors'), SDXL_KEYS);
    const weights = join(tmp.dir, 'weights.safetensors');
    await writeFile(weights, 'weights');
    const model = (file: string, family: 'sd1' | 'sdxl') => ({
      name: 'pony',
      file,
      family,
      tagStyle: 'e621' as const,
    });
    expect(await familyMismatch(model(sdxl, 'sd1'))).toBe(
      'Base model "pony" is SDXL but is listed as SD 1.x on this worker, so it cannot be trained as planned; the operator must fix its family in BASE_MODELS_FILE (kiln doctor shows it).',
    );
    expect(await familyMismatch(model(sdxl, 'sdxl'))).toBeNull();
    expect(await familyMismatch(model(weights, 'sd1'))).toBeNull();
    expect(await familyMismatch(model(join(tmp.dir, 'absent.safetensors'), 'sd1'))).toBeNull();
  });

  it('fails when BASE_MODELS_FILE is unset or unreadable, one line each', async () => {
    expect((await checkBaseModels(undefined)).checks).toMatchObject([
      { name: 'base models', status: 'fail' },
    ]);
    const bad = join(tmp.dir, 'bad.toml');
    await writeFile(bad, 'not = [toml');
    expect((await checkBaseModels(bad)).checks).toMatchObject([{ name: 'base models', status: 'fail' }]);
  });
});

describe('tokenizer cache and disk', () => {
  it('warns until the tokenizer folder under DATA_DIR holds the CLIP files, for each family in use', async () => {
    const dataDir = join(tmp.dir, 'data');
    const sd1 = [{ name: 'a', file: 'x', family: 'sd1' as const, tagStyle: 'e621' as const }];
    const missing = checkTokenizerCache(dataDir, sd1);
    expect(missing).toMatchObject({ status: 'warn' });
    expect(missing.detail).toContain(join(dataDir, 'sd-scripts/tokenizers/openai_clip-vit-large-patch14'));
    const folder = join(dataDir, 'sd-scripts/tokenizers/openai_clip-vit-large-patch14');
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'vocab.json'), '{}');
    await writeFile(join(folder, 'merges.txt'), '#version: 0.2\n');
    expect(checkTokenizerCache(dataDir, sd1).status).toBe('ok');
    const withSdxl = checkTokenizerCache(dataDir, [...sd1, { ...sd1[0]!, family: 'sdxl' }]);
    expect(withSdxl).toMatchObject({
      status: 'warn',
      detail: expect.stringContaining('laion_CLIP-ViT-bigG-14-laion2B-39B-b160k') as string,
    });
  });

  it('fails when DATA_DIR has less free space than a run needs', async () => {
    expect((await checkFreeDisk(join(tmp.dir, 'not-yet'), 1)).status).toBe('ok');
    const short = await checkFreeDisk(tmp.dir, 1024 ** 5);
    expect(short).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('a training needs at least 1048576 GiB') as string,
    });
  });
});

describe('the report', () => {
  it('is one line per check with its fix, and says whether the box can train', async () => {
    const sd1 = await checkpoint(join(tmp.dir, 'report-sd1.safetensors'), SD1_KEYS);
    const list = join(tmp.dir, 'models.toml');
    await writeFile(list, `[[models]]\nname = "tiny"\nfile = "${sd1}"\nfamily = "sdxl"\ntagStyle = "e621"\n`);
    process.env.KILN_FAKE_PROBE = JSON.stringify({ cuda: { available: false } });
    const checks = await runDoctor({
      sdScriptsDir: FAKE_SD_SCRIPTS_DIR,
      launcher: FAKE_PYTHON,
      baseModelsFile: list,
      dataDir: tmp.dir,
      device: 'cuda',
    }).finally(() => delete process.env.KILN_FAKE_PROBE);
    expect(canTrain(checks)).toBe(false);
    const text = formatReport(checks);
    expect(text).toContain('FAIL cuda: torch 2.5.1+cu124 sees no CUDA GPU Fix: ');
    expect(text).toContain(`FAIL base model tiny: ${sd1} is SD 1.x, but BASE_MODELS_FILE declares it SDXL`);
    expect(text.trim().split('\n').at(-1)).toMatch(/^This box cannot train: \d+ checks failed\.$/);
    expect(text.split('\n').filter(Boolean)).toHaveLength(checks.length + 1);
  });
});
