import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTraining, type BaseModel } from '../../src/core/training/plan.ts';
import { buildTrainerConfig, parseToml, toToml } from '../../src/trainer/config.ts';
import {
  loadSdScriptsReference,
  validateConfigToml,
  validateDatasetToml,
  type SdScriptsReference,
} from '../../src/trainer/reference.ts';
import { REFERENCE_DIR, givenRun, temporaryDir } from './helpers.ts';

let reference: SdScriptsReference;
let tmp: Awaited<ReturnType<typeof temporaryDir>>;

beforeAll(async () => {
  reference = await loadSdScriptsReference(REFERENCE_DIR);
  tmp = await temporaryDir();
});
afterAll(async () => {
  await tmp.remove();
});

const sdxl: BaseModel = { name: 'xl', file: '/m/xl.safetensors', family: 'sdxl', tagStyle: 'anime' };
const sd1: BaseModel = {
  name: 'sd1',
  file: '/m/sd1.safetensors',
  family: 'sd1',
  tagStyle: 'anime',
  clipSkip: 2,
};

describe('the reference files', () => {
  it('list the options and dataset keys the config writer relies on', () => {
    expect(reference.options.size).toBeGreaterThan(190);
    expect(reference.options.get('text_encoder_lr')).toMatchObject({ kind: 'float', list: true });
    expect(reference.options.get('cache_text_encoder_outputs')?.appliesTo).toBe('sdxl');
    expect(reference.dataset.E.get('image_dir')).toMatchObject({ kind: 'str', required: true });
    expect(reference.dataset.A.get('resolution')?.kind).toBe('int-or-pair');
  });
});

describe('generated config.toml and dataset.toml', () => {
  it('pass the checks against sd-scripts-options.tsv and sd-scripts-dataset-config.md, read back from disk', async () => {
    const run = await givenRun(`${tmp.dir}/plain`, { samplePrompts: [{ prompt: 'krystal', seeds: [1, 2] }] });
    const config = parseToml(await readFile(run.written.configPath, 'utf8'));
    const dataset = parseToml(await readFile(run.written.datasetPath, 'utf8'));
    expect(validateConfigToml(config, reference, 'train_network.py')).toEqual([]);
    expect(validateDatasetToml(dataset, reference)).toEqual([]);
  });

  it('pass for SDXL with LoCon, and for SD1 with clip skip', () => {
    for (const baseModel of [sdxl, sd1]) {
      const plan = planTraining({ imageCount: 60, headshotCount: 10, baseModel, locon: true });
      const built = buildTrainerConfig({
        plan,
        imageDir: '/run/img/10_x',
        mainTag: 'x',
        baseModelPath: baseModel.file,
        outputDir: '/run/output',
        outputName: 'x',
        samplePromptsPath: '/run/sample_prompts.txt',
        samplePrompts: [{ prompt: 'x', seeds: [7] }],
      });
      const config = parseToml(toToml(built.config));
      expect(validateConfigToml(config, reference, built.script)).toEqual([]);
      expect(validateDatasetToml(parseToml(toToml(built.dataset as never)), reference)).toEqual([]);
    }
  });

  it('write the values sd-scripts needs, with TOML integers and floats kept apart', async () => {
    const run = await givenRun(`${tmp.dir}/values`, { samplePrompts: [{ prompt: 'krystal', seeds: [1] }] });
    const text = await readFile(run.written.configPath, 'utf8');
    const config = parseToml(text);
    expect(config).toMatchObject({
      caption_extension: '.txt',
      save_precision: 'fp16',
      resolution: '512',
      shuffle_caption: true,
      keep_tokens: 1n,
      network_module: 'networks.lora',
      network_dim: 128n,
      network_alpha: 64,
      save_every_n_epochs: 1n,
      max_train_epochs: 3n,
      output_name: 'krystal',
      output_dir: run.outputDir,
      sample_every_n_epochs: 1n,
      sample_sampler: 'euler',
      sample_prompts: run.written.samplePromptsPath,
      min_bucket_reso: 320n,
      max_bucket_reso: 960n,
    });
    expect(text).toContain('network_alpha = 64.0');
    expect(config.learning_rate).toBe(run.plan.learningRate.value);
    expect(config.text_encoder_lr).toEqual([run.plan.learningRate.value * 0.5]);
    const dataset = parseToml(await readFile(run.written.datasetPath, 'utf8'));
    expect(dataset).toEqual({
      general: {
        enable_bucket: true,
        min_bucket_reso: 320n,
        max_bucket_reso: 960n,
        bucket_reso_steps: 64n,
        caption_extension: '.txt',
        shuffle_caption: true,
        keep_tokens: 1n,
      },
      datasets: [
        {
          resolution: 512n,
          batch_size: 12n,
          subsets: [{ image_dir: run.imageDir, num_repeats: 10n, class_tokens: 'krystal' }],
        },
      ],
    });
    expect(await readFile(run.written.samplePromptsPath!, 'utf8')).toBe(
      'krystal --w 512 --h 512 --d 1 --l 7 --s 28\n',
    );
  });

  it('add conv_dim/conv_alpha network args for LoCon and no_half_vae for SDXL', () => {
    const plan = planTraining({ imageCount: 60, headshotCount: 10, baseModel: sdxl, locon: true });
    const built = buildTrainerConfig({
      plan,
      imageDir: '/i',
      mainTag: 'x',
      baseModelPath: '/m',
      outputDir: '/o',
      outputName: 'x',
    });
    expect(built.script).toBe('sdxl_train_network.py');
    expect(built.config.network_args).toEqual(['conv_dim=32', 'conv_alpha=32']);
    expect(built.config.no_half_vae).toBe(true);
    expect(built.config.clip_skip).toBeUndefined();
    expect(built.samples).toBeNull();
    expect(built.config.sample_prompts).toBeUndefined();
  });
});

describe('validateConfigToml', () => {
  it('catches a misspelled option that sd-scripts would silently ignore', () => {
    expect(validateConfigToml({ network_dimm: 128n }, reference, 'train_network.py')).toEqual([
      'network_dimm: not an option of train_network.py (sd-scripts would silently ignore it)',
    ]);
  });

  it('catches wrong TOML types: a float for an int, an int resolution, a bare string for a list', () => {
    const problems = validateConfigToml(
      { network_dim: 128, resolution: 512n, network_args: 'conv_dim=32' },
      reference,
      'train_network.py',
    );
    expect(problems).toEqual([
      'network_dim: expected int, got float 128',
      'resolution: expected str, got integer 512',
      'network_args: expected a list (nargs=*), got string "conv_dim=32"',
    ]);
  });

  it('catches a value outside the choices and an SDXL-only option for SD1', () => {
    expect(validateConfigToml({ save_precision: 'fp8' }, reference, 'train_network.py')[0]).toMatch(
      /not one of/,
    );
    expect(validateConfigToml({ cache_text_encoder_outputs: true }, reference, 'train_network.py')).toEqual([
      'cache_text_encoder_outputs: only sdxl_train_network.py accepts it',
    ]);
  });

  it('flattens one level of tables as sd-scripts does', () => {
    expect(validateConfigToml({ Basics: { network_dim: 8n } }, reference, 'train_network.py')).toEqual([]);
  });
});

describe('validateDatasetToml', () => {
  it('refuses unknown top-level keys and misplaced keys like voluptuous', () => {
    const problems = validateDatasetToml(
      {
        general: { batch_size: 2n, image_dir: '/x' },
        datasets: [{ subsets: [{ image_dir: '/x', resolution: 512n, num_repeat: 10n }] }],
        extra: 1n,
      },
      reference,
    );
    expect(problems).toEqual([
      "extra keys not allowed @ data['extra']",
      "extra keys not allowed @ data['general']['image_dir']",
      "extra keys not allowed @ data['datasets'][0]['subsets'][0]['resolution']",
      "extra keys not allowed @ data['datasets'][0]['subsets'][0]['num_repeat']",
    ]);
  });

  it('requires image_dir in a DreamBooth subset and checks value types', () => {
    const problems = validateDatasetToml(
      { datasets: [{ resolution: '512', subsets: [{ num_repeats: 10n }] }] },
      reference,
    );
    expect(problems).toContain("required key not provided @ data['datasets'][0]['subsets'][0]['image_dir']");
    expect(problems.some((p) => p.includes("data['datasets'][0]['resolution']"))).toBe(true);
  });

  it('accepts [width, height] resolutions and fine-tuning subsets with metadata_file', () => {
    expect(
      validateDatasetToml(
        { datasets: [{ resolution: [768n, 512n], subsets: [{ metadata_file: '/m.json' }] }] },
        reference,
      ),
    ).toEqual([]);
  });
});
