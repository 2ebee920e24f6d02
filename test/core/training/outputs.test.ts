import { describe, expect, it } from 'vitest';
import {
  checkpointEpoch,
  epochFileName,
  parseSampleFileName,
  samplePromptLines,
} from '../../../src/core/training/outputs.ts';

describe('sd-scripts output names', () => {
  it('names per-epoch files with six digits and the last epoch without a suffix', () => {
    expect(epochFileName('krystal', 3, 10)).toBe('krystal-000003.safetensors');
    expect(epochFileName('krystal', 10, 10)).toBe('krystal.safetensors');
    expect(checkpointEpoch('krystal-000003.safetensors', 'krystal', 10)).toBe(3);
    expect(checkpointEpoch('krystal.safetensors', 'krystal', 10)).toBe(10);
    expect(checkpointEpoch('other-000003.safetensors', 'krystal', 10)).toBeNull();
  });

  it('reads epoch, prompt index and seed from a sample file name, even with underscores in the name', () => {
    expect(parseSampleFileName('my_lora_e000003_01_20240101120000_42.png', 'my_lora')).toEqual({
      epoch: 3,
      step: null,
      promptIndex: 1,
      seed: 42,
    });
    expect(parseSampleFileName('x_000120_00_20240101120000.png', 'x')).toEqual({
      epoch: null,
      step: 120,
      promptIndex: 0,
      seed: null,
    });
    expect(parseSampleFileName('x_e000001_00.png', 'x')).toBeNull();
  });
});

describe('samplePromptLines', () => {
  const settings = { width: 768, height: 768, steps: 28, cfgScale: 7 };

  it('writes one line per prompt and seed with sd-scripts options', () => {
    const lines = samplePromptLines(
      [
        { prompt: 'krystal', negative: 'lowres', seeds: [1, 2] },
        { prompt: 'krystal, red shirt', seeds: [1] },
      ],
      settings,
    );
    expect(lines.map((line) => line.line)).toEqual([
      'krystal --n lowres --w 768 --h 768 --d 1 --l 7 --s 28',
      'krystal --n lowres --w 768 --h 768 --d 2 --l 7 --s 28',
      'krystal, red shirt --w 768 --h 768 --d 1 --l 7 --s 28',
    ]);
    expect(lines.map((line) => [line.index, line.prompt, line.seed])).toEqual([
      [0, 'krystal', 1],
      [1, 'krystal', 2],
      [2, 'krystal, red shirt', 1],
    ]);
  });

  it.each(['a --d 5', 'two\nlines', '# comment', ''])('refuses the prompt %j', (prompt) => {
    expect(() => samplePromptLines([{ prompt, seeds: [1] }], settings)).toThrow();
  });

  it('refuses a prompt without seeds and a negative seed', () => {
    expect(() => samplePromptLines([{ prompt: 'a', seeds: [] }], settings)).toThrow(/no seeds/);
    expect(() => samplePromptLines([{ prompt: 'a', seeds: [-1] }], settings)).toThrow(/Sample seed/);
  });
});
