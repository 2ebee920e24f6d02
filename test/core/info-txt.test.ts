import { describe, expect, it } from 'vitest';
import { buildInfoTxt, type InfoTxtInput } from '../../src/core/info-txt.ts';
import { planTraining, type BaseModel } from '../../src/core/training/plan.ts';

const baseModel: BaseModel = {
  name: 'yiffymix',
  file: '/models/yiffymix.safetensors',
  family: 'sd1',
  tagStyle: 'e621',
};
const plan = planTraining({ imageCount: 81, headshotCount: 20, baseModel, locon: true });

function input(overrides: Partial<InfoTxtInput> = {}): InfoTxtInput {
  return {
    characterName: 'Krystal',
    notes: 'Blue fur, white muzzle.\nTribal markings on the arms.',
    mainTag: 'krystal',
    outfitTags: ['krystalloincloth'],
    toggleTags: ['staff'],
    reinforcementTags: ['blue fur', 'white muzzle'],
    plan,
    baseModel,
    sdScriptsOptions: {
      network_dim: 128n,
      learning_rate: plan.learningRate.value,
      network_args: ['conv_dim=32', 'conv_alpha=32'],
    },
    file: { name: 'krystal.safetensors', sizeBytes: 207_000_000, sha256: 'ab'.repeat(32) },
    ...overrides,
  };
}

describe('buildInfoTxt', () => {
  const text = buildInfoTxt(input());

  it('names the character, tags and base model', () => {
    expect(text).toContain('Krystal — LoRA');
    expect(text).toContain('Main tag: krystal (put it first in your prompt)');
    expect(text).toContain('Outfit tags: krystalloincloth');
    expect(text).toContain('Other toggleable tags: staff');
    expect(text).toContain('Reinforcement tags: blue fur, white muzzle');
    expect(text).toContain('Base model: yiffymix (SD 1.x, e621 tags)');
  });

  it('keeps the research notes line by line', () => {
    expect(text).toContain('Blue fur, white muzzle.\nTribal markings on the arms.');
  });

  it('records the dataset and every training setting with the LR formula filled in', () => {
    expect(text).toContain('Images: 81');
    expect(text).toContain('Headshots: 20 (25% of the dataset)');
    expect(text).toContain(
      'Learning rate: 0.00013580246913580247 (1.358e-4) = S / (R·E·I) = 1.1 / (10 · 10 · 81)',
    );
    expect(text).toContain('Text encoder LR: 0.00006790123456790123 (6.79e-5, 0.5 x L)');
    expect(text).toContain('Network: LoRA (networks.lora), dim 128, alpha 64');
    expect(text).toContain('LoCon: conv dim 32, conv alpha 32');
    expect(text).toContain('Buckets: 448–1472, step 64 (guide: 480–1440)');
    expect(text).toContain('Captions: shuffled, keep_tokens 1');
  });

  it('lists the sd-scripts options as they were passed', () => {
    expect(text).toContain('--network_dim 128');
    expect(text).toContain('--network_args conv_dim=32 conv_alpha=32');
    expect(text).toContain('--learning_rate 0.00013580246913580247');
  });

  it('ends with the file size and SHA-256', () => {
    expect(text).toContain('Size: 197.4 MiB (207000000 bytes)');
    expect(text).toContain(`SHA-256: ${'ab'.repeat(32)}`);
    expect(text.endsWith('\n')).toBe(true);
  });

  it('has no epoch section unless an epoch was chosen', () => {
    expect(text).not.toContain('Chosen epoch');
  });

  it('records the chosen epoch, its scores and the sample prompts', () => {
    const withEpoch = buildInfoTxt(
      input({
        chosenEpoch: {
          epoch: 2,
          totalEpochs: 3,
          chosenBy: "friends' vote",
          scores: [
            { name: 'trait recall', value: 0.8333333 },
            { name: 'outfit control', value: '2/2' },
          ],
          samplePrompts: ['krystal', 'krystal, krystalloincloth'],
        },
      }),
    );
    expect(withEpoch).toContain("Chosen epoch: 2 of 3 (friends' vote)");
    expect(withEpoch).toContain('  trait recall: 0.8333');
    expect(withEpoch).toContain('  outfit control: 2/2');
    expect(withEpoch).toContain('Sample prompts:\n  krystal\n  krystal, krystalloincloth');
  });

  it('says (none) for empty tag lists and notes', () => {
    const empty = buildInfoTxt(input({ notes: '  ', outfitTags: [], toggleTags: [], reinforcementTags: [] }));
    expect(empty).toContain('Outfit tags: (none)');
    expect(empty).toContain('Character notes\n---------------\n(none)');
  });
});
