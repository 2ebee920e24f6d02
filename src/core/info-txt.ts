import { formatDuration, formatScientific, type BaseModel, type TrainingPlan } from './training/plan.ts';

/**
 * info.txt, the file the guide ships with every model (step 1 starts it, step 5 adds reinforcement tags): who the
 * character is, which tags to use, and exactly how the model was trained. Plain text, readable in any viewer.
 */

export type OptionValue =
  string | number | bigint | boolean | readonly (string | number | bigint | boolean)[];

export interface EpochScore {
  name: string;
  value: number | string;
}

export interface ChosenEpoch {
  epoch: number;
  totalEpochs: number;
  /** How the epoch was picked, e.g. "friends' vote (5 of 7)" or "owner's choice". */
  chosenBy?: string;
  scores?: readonly EpochScore[];
  samplePrompts?: readonly string[];
}

export interface InfoTxtInput {
  characterName: string;
  /** Research notes (canonical look, outfits, markings, deviations), as written by the project members. */
  notes: string;
  mainTag: string;
  /** Outfit tags, e.g. `roxanneshirt`, each a toggle users can prompt. */
  outfitTags: readonly string[];
  /** Other toggleable elements (accessories, alternative depictions). */
  toggleTags: readonly string[];
  /** Tags users can add to steer base models; not necessarily in the dataset (guide step 5). */
  reinforcementTags: readonly string[];
  plan: TrainingPlan;
  baseModel: BaseModel;
  /** The options passed to sd-scripts (the config.toml content), printed as they were used. */
  sdScriptsOptions: Readonly<Record<string, OptionValue>>;
  file: { name: string; sizeBytes: number; sha256: string };
  chosenEpoch?: ChosenEpoch;
  /** ISO date of the training, printed as given. */
  trainedAt?: string;
}

function tagList(tags: readonly string[]): string {
  return tags.length === 0 ? '(none)' : tags.join(', ');
}

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function formatOption(value: OptionValue): string {
  if (Array.isArray(value)) return value.map((item) => formatOption(item as OptionValue)).join(' ');
  if (typeof value === 'string') return value;
  return String(value);
}

function section(title: string, body: string[]): string {
  return [title, '-'.repeat(title.length), ...body].join('\n');
}

function field(label: string, value: string): string {
  return `${label}: ${value}`;
}

/** Builds the text; lines end with \n, sections are separated by a blank line. */
export function buildInfoTxt(input: InfoTxtInput): string {
  const { plan } = input;
  const parts: string[] = [];
  const title = `${input.characterName} — LoRA`;
  parts.push([title, '='.repeat(title.length)].join('\n'));

  parts.push(
    section('How to use', [
      field('Main tag', `${input.mainTag} (put it first in your prompt)`),
      field('Outfit tags', tagList(input.outfitTags)),
      field('Other toggleable tags', tagList(input.toggleTags)),
      field('Reinforcement tags', tagList(input.reinforcementTags)),
      field(
        'Base model',
        `${input.baseModel.name} (${input.baseModel.family === 'sdxl' ? 'SDXL' : 'SD 1.x'}, ${input.baseModel.tagStyle} tags)`,
      ),
    ]),
  );

  const notes = input.notes.trim();
  parts.push(section('Character notes', notes === '' ? ['(none)'] : notes.split(/\r?\n/)));

  parts.push(
    section('Dataset', [
      field('Images', `${plan.images.value} (kept images and crops)`),
      field(
        'Headshots',
        `${plan.headshots.value.count} (${(plan.headshots.value.share * 100).toFixed(0)}% of the dataset)`,
      ),
      field('Folder', `${plan.repeats.value}_${input.mainTag} (${plan.repeats.value} repeats)`),
    ]),
  );

  const conv = plan.conv.value;
  parts.push(
    section('Training settings', [
      field(
        'Preset',
        `${plan.preset === 'full' ? 'full' : 'trash-tier'}, resolution ${plan.resolution.value}`,
      ),
      field(
        'Buckets',
        `${plan.buckets.value.min}–${plan.buckets.value.max}, step ${plan.buckets.value.steps} (guide: ${plan.buckets.value.requestedMin}–${plan.buckets.value.requestedMax})`,
      ),
      field('Repeats x epochs', `${plan.repeats.value} x ${plan.epochs.value}`),
      field('Strength', String(plan.strength.value)),
      field(
        'Learning rate',
        `${plan.learningRate.value} (${formatScientific(plan.learningRate.value)}) = S / (R·E·I) = ${plan.strength.value} / (${plan.repeats.value} · ${plan.epochs.value} · ${plan.images.value})`,
      ),
      field(
        'Text encoder LR',
        `${plan.textEncoderLr.value.lr} (${formatScientific(plan.textEncoderLr.value.lr)}, ${plan.textEncoderLr.value.ratio} x L)`,
      ),
      field('Batch size', String(plan.batchSize.value)),
      field('Total steps', `${plan.totalSteps.value.exact ? '' : 'about '}${plan.totalSteps.value.steps}`),
      field(
        'Network',
        `LoRA (networks.lora), dim ${plan.network.value.dim}, alpha ${plan.network.value.alpha}`,
      ),
      field('LoCon', conv ? `conv dim ${conv.dim}, conv alpha ${conv.alpha}` : 'off'),
      field('Captions', `shuffled, keep_tokens ${plan.captions.value.keepTokens}`),
      field('Estimated time', formatDuration(plan.estimatedSeconds.value)),
      ...(input.trainedAt ? [field('Trained', input.trainedAt)] : []),
    ]),
  );

  const options = Object.entries(input.sdScriptsOptions).sort(([a], [b]) => a.localeCompare(b));
  parts.push(
    section(
      'sd-scripts options',
      options.length === 0
        ? ['(none recorded)']
        : options.map(([key, value]) => `--${key} ${formatOption(value)}`.trimEnd()),
    ),
  );

  const chosen = input.chosenEpoch;
  if (chosen) {
    const body = [
      field(
        'Chosen epoch',
        `${chosen.epoch} of ${chosen.totalEpochs}${chosen.chosenBy ? ` (${chosen.chosenBy})` : ''}`,
      ),
    ];
    if (chosen.scores && chosen.scores.length > 0) {
      body.push('Scores:');
      for (const score of chosen.scores) {
        const value = typeof score.value === 'number' ? String(Number(score.value.toFixed(4))) : score.value;
        body.push(`  ${score.name}: ${value}`);
      }
    }
    if (chosen.samplePrompts && chosen.samplePrompts.length > 0) {
      body.push('Sample prompts:');
      for (const prompt of chosen.samplePrompts) body.push(`  ${prompt}`);
    }
    parts.push(section('Epoch', body));
  }

  parts.push(
    section('File', [
      field('Name', input.file.name),
      field('Size', `${formatBytes(input.file.sizeBytes)} (${input.file.sizeBytes} bytes)`),
      field('SHA-256', input.file.sha256),
    ]),
  );

  return `${parts.join('\n\n')}\n`;
}
