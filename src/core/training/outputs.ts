import { UserError } from '../errors.ts';

/**
 * File names sd-scripts gives its outputs (reference §7) and the sample prompt file it reads, so the worker can
 * find each epoch's model and samples without guessing.
 */

/** Per-epoch files are `<name>-<epoch, 6 digits>`; the last epoch is not suffixed: it is the final file. */
export function epochFileName(
  outputName: string,
  epoch: number,
  totalEpochs: number,
  ext = 'safetensors',
): string {
  if (epoch === totalEpochs) return `${outputName}.${ext}`;
  return `${outputName}-${String(epoch).padStart(6, '0')}.${ext}`;
}

/** The epoch a checkpoint file holds, or null when the name is not one of this run's checkpoints. */
export function checkpointEpoch(fileName: string, outputName: string, totalEpochs: number): number | null {
  if (fileName === `${outputName}.safetensors`) return totalEpochs;
  const prefix = `${outputName}-`;
  if (!fileName.startsWith(prefix) || !fileName.endsWith('.safetensors')) return null;
  const middle = fileName.slice(prefix.length, -'.safetensors'.length);
  return /^\d{6}$/.test(middle) ? Number(middle) : null;
}

export interface SampleFileInfo {
  /** Set when sampled at an epoch end (`e000003`); null for step-based samples. */
  epoch: number | null;
  step: number | null;
  /** Index of the prompt line in the prompt file (0-based, comments and blank lines skipped). */
  promptIndex: number;
  seed: number | null;
}

/** Parses `<output_name>_<e000003 | 000120>_<idx 2 digits>_<YYYYmmddHHMMSS>[_<seed>].png`. */
export function parseSampleFileName(fileName: string, outputName: string): SampleFileInfo | null {
  const prefix = `${outputName}_`;
  if (!fileName.startsWith(prefix)) return null;
  const match = /^(e?)(\d{6,})_(\d{2,})_(\d{14})(?:_(\d+))?\.png$/.exec(fileName.slice(prefix.length));
  if (!match) return null;
  const [, isEpoch, number, index, , seed] = match;
  return {
    epoch: isEpoch ? Number(number) : null,
    step: isEpoch ? null : Number(number),
    promptIndex: Number(index),
    seed: seed === undefined ? null : Number(seed),
  };
}

export interface SamplePrompt {
  /** Positive prompt, tags comma-separated in the base model's tag style. */
  prompt: string;
  negative?: string;
  /** One image per seed; fixed seeds make epochs comparable like for like. */
  seeds: readonly number[];
}

export interface SampleSettings {
  width: number;
  height: number;
  /** Sampling steps (`--s`). */
  steps: number;
  /** CFG scale (`--l`). */
  cfgScale: number;
}

/** One line of the prompt file: which prompt and seed the sample at that index shows. */
export interface SampleLine {
  index: number;
  prompt: string;
  seed: number;
  line: string;
}

/** 28 steps at CFG 7: the usual SD1.x preview settings; the sampler is chosen in the trainer config. */
export const DEFAULT_SAMPLE_SETTINGS: Omit<SampleSettings, 'width' | 'height'> = { steps: 28, cfgScale: 7 };

function checkPromptText(text: string, what: string): string {
  const trimmed = text.trim();
  // sd-scripts splits each line on " --" for its per-prompt options and skips lines starting with "#".
  if (/[\r\n]/.test(trimmed) || trimmed.includes(' --') || trimmed.startsWith('#')) {
    throw new UserError(
      'invalid-option',
      `The sample ${what} ${JSON.stringify(text)} cannot be used: it must be one line, must not start with "#" and must not contain " --".`,
    );
  }
  return trimmed;
}

/**
 * The sample prompt file (`--sample_prompts`, .txt): one line per (prompt, seed), with `--n` negative, `--w`/`--h`
 * size, `--d` seed, `--l` CFG scale and `--s` steps. sd-scripts numbers samples by line index, so the returned
 * lines tell which prompt and seed each sample image shows.
 */
export function samplePromptLines(prompts: readonly SamplePrompt[], settings: SampleSettings): SampleLine[] {
  const lines: SampleLine[] = [];
  for (const sample of prompts) {
    const prompt = checkPromptText(sample.prompt, 'prompt');
    if (prompt === '') throw new UserError('invalid-option', 'A sample prompt is empty.');
    const negative = sample.negative === undefined ? '' : checkPromptText(sample.negative, 'negative prompt');
    if (sample.seeds.length === 0) {
      throw new UserError('invalid-option', `The sample prompt ${JSON.stringify(prompt)} has no seeds.`);
    }
    for (const seed of sample.seeds) {
      if (!Number.isSafeInteger(seed) || seed < 0 || seed > 0xffffffff) {
        throw new UserError(
          'invalid-option',
          `Sample seed ${seed} must be a whole number from 0 to 4294967295.`,
        );
      }
      const parts = [prompt];
      if (negative !== '') parts.push(`--n ${negative}`);
      parts.push(
        `--w ${settings.width}`,
        `--h ${settings.height}`,
        `--d ${seed}`,
        `--l ${settings.cfgScale}`,
        `--s ${settings.steps}`,
      );
      lines.push({ index: lines.length, prompt, seed, line: parts.join(' ') });
    }
  }
  return lines;
}
