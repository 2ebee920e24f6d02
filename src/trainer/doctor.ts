import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, stat, statfs } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { execa } from 'execa';
import {
  checkpointFamily,
  diffusersFamily,
  FAMILY_NAMES,
  type CheckpointFamily,
  type DoctorCheck,
} from '../core/doctor/report.ts';
import type { BaseModel } from '../core/training/plan.ts';
import { BaseModelListError, loadBaseModels } from './base-models.ts';
import { tokenizerFolder } from './cache-dirs.ts';
import { DEFAULT_LAUNCHER } from './run.ts';
import { readSafetensorsHeader } from './safetensors.ts';
import { SD_SCRIPTS_VERSION } from './sd-scripts-version.ts';

/**
 * `kiln doctor`'s checks of a training box: sd-scripts and its version, the launcher and its Python (torch,
 * accelerate, CUDA and its memory), every base model file against its declared family, the tokenizer cache and
 * free disk. Each check gives one verdict with a fix; nothing here throws for a broken box.
 */

export interface DoctorOptions {
  sdScriptsDir: string | undefined;
  launcher: readonly string[] | undefined;
  baseModelsFile: string | undefined;
  dataDir: string;
  /** TRAIN_DEVICE: `cpu` accepts a box without CUDA (tests, trials). */
  device: 'cuda' | 'cpu';
  /** How long the Python probe may take (it imports torch and sd-scripts). */
  probeTimeoutMs?: number;
  /** Disk below this fails the check (a run's latents, checkpoints and samples). */
  minFreeDiskBytes?: number;
}

const GB = 1024 ** 3;
export const DEFAULT_MIN_FREE_DISK = 5 * GB;
export const PROBE_SCRIPT = resolve(import.meta.dirname, 'doctor-probe.py');

interface ModuleAnswer {
  ok: boolean;
  version?: string | null;
  error?: string;
}
interface ProbeAnswer {
  python?: string;
  executable?: string;
  torch?: ModuleAnswer;
  accelerate?: ModuleAnswer;
  diffusers?: ModuleAnswer;
  transformers?: ModuleAnswer;
  sd_scripts?: ModuleAnswer;
  cuda?: { available: boolean; name?: string; memory_bytes?: number; count?: number };
}

const ok = (name: string, detail: string): DoctorCheck => ({ name, status: 'ok', detail });
const fail = (name: string, detail: string, fix: string): DoctorCheck => ({
  name,
  status: 'fail',
  detail,
  fix,
});
const warn = (name: string, detail: string, fix: string): DoctorCheck => ({
  name,
  status: 'warn',
  detail,
  fix,
});

async function sha256(path: string): Promise<string | null> {
  try {
    return createHash('sha256')
      .update(await readFile(path))
      .digest('hex');
  } catch {
    return null;
  }
}

async function gitHead(dir: string): Promise<string | null> {
  if (!existsSync(join(dir, '.git'))) return null;
  const result = await execa('git', ['-C', dir, 'rev-parse', 'HEAD'], { reject: false, timeout: 10_000 });
  return result.exitCode === 0 ? String(result.stdout).trim() : null;
}

export async function checkSdScripts(
  dir: string | undefined,
  version: {
    commit: string;
    describe: string;
    fingerprints: Readonly<Record<string, string>>;
  } = SD_SCRIPTS_VERSION,
): Promise<DoctorCheck[]> {
  const expected = `${version.describe} (${version.commit})`;
  const checkout = `git clone https://github.com/kohya-ss/sd-scripts && git -C sd-scripts checkout ${version.commit}`;
  if (!dir) {
    return [
      fail(
        'sd-scripts folder',
        'SD_SCRIPTS_DIR is not set',
        `set SD_SCRIPTS_DIR to a checkout of ${expected}.`,
      ),
    ];
  }
  const missing = ['train_network.py', 'sdxl_train_network.py'].filter(
    (name) => !existsSync(join(dir, name)),
  );
  if (missing.length > 0) {
    return [
      fail(
        'sd-scripts folder',
        `${dir} has no ${missing.join(' or ')}`,
        `point SD_SCRIPTS_DIR at the sd-scripts folder itself (${checkout}).`,
      ),
    ];
  }
  const folder = ok('sd-scripts folder', dir);
  const head = await gitHead(dir);
  if (head !== null) {
    return [
      folder,
      head === version.commit
        ? ok('sd-scripts version', `git checkout at ${expected}`)
        : fail(
            'sd-scripts version',
            `git checkout at ${head}, Kiln needs ${expected}`,
            `git -C ${dir} fetch && git -C ${dir} checkout ${version.commit}, then pip install -r requirements.txt again.`,
          ),
    ];
  }
  const changed: string[] = [];
  for (const [file, digest] of Object.entries(version.fingerprints)) {
    if ((await sha256(join(dir, file))) !== digest) changed.push(file);
  }
  return [
    folder,
    changed.length === 0
      ? ok('sd-scripts version', `files match ${expected} (no git history)`)
      : fail(
          'sd-scripts version',
          `${changed.join(', ')} differ from ${expected}: another sd-scripts version`,
          `use sd-scripts at ${version.commit} (${checkout}).`,
        ),
  ];
}

function probeLine(stdout: string): ProbeAnswer | null {
  const line = stdout.split(/\r?\n/).find((text) => text.startsWith('KILN_DOCTOR '));
  if (!line) return null;
  try {
    return JSON.parse(line.slice('KILN_DOCTOR '.length)) as ProbeAnswer;
  } catch {
    return null;
  }
}

/** The launcher, Python and its packages, and CUDA: one run of the probe script through the launcher. */
export async function checkPython(options: DoctorOptions): Promise<DoctorCheck[]> {
  const launcher = options.launcher ?? DEFAULT_LAUNCHER;
  const shown = launcher.join(' ');
  const [command, ...args] = launcher;
  if (command === undefined)
    return [fail('launcher', 'SD_SCRIPTS_LAUNCHER is empty', 'set it to e.g. "accelerate launch".')];
  const result = await execa(command, [...args, PROBE_SCRIPT], {
    ...(options.sdScriptsDir && existsSync(options.sdScriptsDir) ? { cwd: options.sdScriptsDir } : {}),
    reject: false,
    timeout: options.probeTimeoutMs ?? 180_000,
    stdin: 'ignore',
    env: { PYTHONUNBUFFERED: '1' },
  });
  const answer = probeLine(String(result.stdout));
  if (answer === null) {
    const lastLine =
      `${String(result.stderr)}\n${String(result.stdout)}`
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean)
        .at(-1) ?? '';
    const why =
      result.exitCode === undefined || (result as { code?: string }).code === 'ENOENT'
        ? `"${command}" was not found`
        : result.timedOut
          ? `it did not answer within ${Math.round((options.probeTimeoutMs ?? 180_000) / 1000)} s`
          : `it exited with code ${result.exitCode}${lastLine ? `: ${lastLine}` : ''}`;
    return [
      fail(
        'launcher',
        `"${shown}" could not run a Python script: ${why}`,
        'install accelerate in the sd-scripts virtual environment and put it on PATH, or set SD_SCRIPTS_LAUNCHER (e.g. "/opt/venv/bin/accelerate launch" or "/opt/venv/bin/python").',
      ),
    ];
  }
  const checks: DoctorCheck[] = [ok('launcher', `${shown} runs ${answer.executable ?? 'python'}`)];
  const [major, minor] = (answer.python ?? '0.0').split('.').map(Number);
  checks.push(
    (major ?? 0) === 3 && (minor ?? 0) >= 10
      ? ok('python', answer.python ?? '?')
      : fail(
          'python',
          `Python ${answer.python}, sd-scripts needs 3.10 or newer`,
          'make the virtual environment with python3.10 or 3.11.',
        ),
  );
  const pip = `${answer.executable ? `${dirname(answer.executable)}/pip` : 'pip'} install`;
  const moduleCheck = (name: string, found: ModuleAnswer | undefined, fix: string): DoctorCheck =>
    found?.ok
      ? ok(name, found.version ?? 'installed')
      : fail(
          name,
          `not importable by ${answer.executable ?? 'that Python'} (${found?.error ?? 'not checked'})`,
          fix,
        );
  checks.push(
    moduleCheck(
      'torch',
      answer.torch,
      `${pip} torch torchvision (the CUDA build for your driver), then sd-scripts' requirements.txt.`,
    ),
  );
  checks.push(
    moduleCheck(
      'accelerate',
      answer.accelerate,
      `${pip} -r requirements.txt in ${options.sdScriptsDir ?? 'sd-scripts'}.`,
    ),
  );
  checks.push(
    moduleCheck(
      'sd-scripts imports',
      answer.sd_scripts,
      `${pip} -r requirements.txt in ${options.sdScriptsDir ?? 'sd-scripts'} (torchvision must match torch).`,
    ),
  );
  const cuda = answer.cuda;
  if (!answer.torch?.ok) {
    checks.push(fail('cuda', 'not checked: torch is missing', 'install torch first.'));
  } else if (cuda?.available) {
    const memory = cuda.memory_bytes ? `${(cuda.memory_bytes / GB).toFixed(1)} GiB` : 'unknown memory';
    checks.push(
      ok('cuda', `${cuda.name ?? 'a GPU'}, ${memory}${(cuda.count ?? 1) > 1 ? ` (${cuda.count} GPUs)` : ''}`),
    );
  } else if (options.device === 'cpu') {
    checks.push(
      warn(
        'cuda',
        'no CUDA GPU; CPU training allowed by TRAIN_DEVICE=cpu (fp32, very slow)',
        'for real trainings use a CUDA box.',
      ),
    );
  } else {
    checks.push(
      fail(
        'cuda',
        `torch ${answer.torch.version ?? ''} sees no CUDA GPU`.replace('  ', ' '),
        'install the NVIDIA driver and a CUDA build of torch (pip install torch --index-url https://download.pytorch.org/whl/cu124), or set TRAIN_DEVICE=cpu to allow slow CPU training.',
      ),
    );
  }
  return checks;
}

async function familyOf(path: string): Promise<CheckpointFamily | { error: string }> {
  const info = await stat(path);
  if (info.isDirectory()) {
    try {
      return diffusersFamily(JSON.parse(await readFile(join(path, 'model_index.json'), 'utf8')));
    } catch {
      return { error: 'a folder without a readable model_index.json (not a Diffusers model)' };
    }
  }
  try {
    const header = await readSafetensorsHeader(path);
    return checkpointFamily(header.tensors.keys());
  } catch {
    return {
      error: 'not a safetensors file (Kiln trains from .safetensors checkpoints or Diffusers folders)',
    };
  }
}

export async function checkBaseModel(model: BaseModel): Promise<DoctorCheck> {
  const name = `base model ${model.name}`;
  if (!existsSync(model.file)) {
    return fail(
      name,
      `${model.file} does not exist`,
      'fix its `file` in BASE_MODELS_FILE or put the checkpoint there.',
    );
  }
  const found = await familyOf(model.file);
  if (typeof found === 'object') {
    return fail(name, `${model.file}: ${found.error}`, 'convert it to .safetensors or list another file.');
  }
  const declared = FAMILY_NAMES[model.family as CheckpointFamily];
  if (found !== model.family) {
    return fail(
      name,
      `${model.file} is ${FAMILY_NAMES[found]}, but BASE_MODELS_FILE declares it ${declared} (family = "${model.family}")`,
      found === 'sd1' || found === 'sdxl'
        ? `set family = "${found}" for it in BASE_MODELS_FILE.`
        : 'list an SD 1.x or SDXL checkpoint.',
    );
  }
  return ok(name, `${model.file} (${declared})`);
}

/**
 * For a training about to start: a refusal when the checkpoint is readable and plainly of another family than
 * declared (an SDXL file listed as SD 1.x would crash sd-scripts with a traceback). Files it cannot read are left
 * to `kiln doctor` and sd-scripts.
 */
export async function familyMismatch(model: BaseModel): Promise<string | null> {
  let found: CheckpointFamily | { error: string };
  try {
    found = await familyOf(model.file);
  } catch {
    return null;
  }
  if (typeof found === 'object' || found === 'unknown' || found === model.family) return null;
  return `Base model "${model.name}" is ${FAMILY_NAMES[found]} but is listed as ${FAMILY_NAMES[model.family as CheckpointFamily]} on this worker, so it cannot be trained as planned; the operator must fix its family in BASE_MODELS_FILE (kiln doctor shows it).`;
}

export async function checkBaseModels(
  listFile: string | undefined,
): Promise<{ checks: DoctorCheck[]; models: BaseModel[] }> {
  if (!listFile) {
    return {
      checks: [
        fail(
          'base models',
          'BASE_MODELS_FILE is not set',
          'list the checkpoints in a TOML or JSON file (README, Training worker).',
        ),
      ],
      models: [],
    };
  }
  let models: BaseModel[];
  try {
    models = await loadBaseModels(listFile);
  } catch (error) {
    const message =
      error instanceof BaseModelListError || error instanceof Error ? error.message : String(error);
    return { checks: [fail('base models', message, 'fix the list (README, Training worker).')], models: [] };
  }
  return { checks: await Promise.all(models.map(checkBaseModel)), models };
}

export function checkTokenizerCache(dataDir: string, models: readonly BaseModel[]): DoctorCheck {
  const families = new Set<'sd1' | 'sdxl'>(models.map((model) => model.family));
  if (families.size === 0) families.add('sd1');
  const folders = [...new Set([...families].flatMap((family) => tokenizerFolder(dataDir, family)))];
  const missing = folders.filter(
    (folder) => !existsSync(join(folder, 'vocab.json')) || !existsSync(join(folder, 'merges.txt')),
  );
  if (missing.length === 0) return ok('tokenizer cache', folders.join(', '));
  return warn(
    'tokenizer cache',
    `${missing.join(', ')} not filled yet: the first training downloads the tokenizer from Hugging Face`,
    'let one training run with Hugging Face access (Kiln keeps the cache there), or copy the CLIP tokenizer files (vocab.json, merges.txt, …) into that folder.',
  );
}

export async function checkFreeDisk(dataDir: string, minimum = DEFAULT_MIN_FREE_DISK): Promise<DoctorCheck> {
  let dir = resolve(dataDir);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  const info = await statfs(dir);
  const free = info.bavail * info.bsize;
  const shown = `${(free / GB).toFixed(1)} GiB free in ${dir}`;
  return free >= minimum
    ? ok('free disk', shown)
    : fail(
        'free disk',
        `${shown}; a training needs at least ${(minimum / GB).toFixed(0)} GiB`,
        'free space under DATA_DIR (old runs are in DATA_DIR/runs).',
      );
}

/** Every check, in the order a person fixes them. */
export async function runDoctor(options: DoctorOptions): Promise<DoctorCheck[]> {
  const [sdScripts, python, baseModels, disk] = await Promise.all([
    checkSdScripts(options.sdScriptsDir),
    checkPython(options),
    checkBaseModels(options.baseModelsFile),
    checkFreeDisk(options.dataDir, options.minFreeDiskBytes),
  ]);
  return [
    ...sdScripts,
    ...python,
    ...baseModels.checks,
    checkTokenizerCache(options.dataDir, baseModels.models),
    disk,
  ];
}
