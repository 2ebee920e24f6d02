import { describe, expect, it } from 'vitest';
import { planTraining, type BaseModel } from '../../src/core/training/plan.ts';
import type { TrainingPlanRow } from '../../src/db/schema/index.ts';
import { planCardMessage } from '../../src/views/train-plan.ts';

/** The plan card of an SDXL plan, rendered without Discord: the numbers, their sources, the SDXL differences. */

const pony: BaseModel = {
  name: 'Pony V6',
  file: '/m/pony.safetensors',
  family: 'sdxl',
  tagStyle: 'e621',
  kind: 'pony',
  promptPrefix: 'score_9',
};
const noobaiV: BaseModel = {
  name: 'NoobAI vpred',
  file: '/m/noobai-v.safetensors',
  family: 'sdxl',
  tagStyle: 'e621',
  kind: 'noobai',
  prediction: 'v',
};

function textOf(message: ReturnType<typeof planCardMessage>): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node !== null && typeof node === 'object') {
      const record = node as Record<string, unknown>;
      if (typeof record.content === 'string') texts.push(record.content);
      Object.values(record).forEach(walk);
    }
  };
  walk(message.components.map((component) => component.toJSON()));
  return texts.join('\n');
}

describe('the plan card of SDXL base models', () => {
  it('shows 1024, the kind and v-pred, each number with its source, and what differs from the guide', () => {
    const plans = [pony, noobaiV].map((baseModel) =>
      planTraining({ imageCount: 81, headshotCount: 12, baseModel }),
    );
    const row = {
      id: 1,
      preset: 'full',
      strength: 1.1,
      locon: false,
      baseModels: [pony.name, noobaiV.name],
      samplePrompts: [],
      closedAt: null,
    } as unknown as TrainingPlanRow;
    const text = textOf(
      planCardMessage({
        plan: row,
        project: { characterName: 'Krystal', mainTag: 'krystal' },
        plans,
        runs: [],
      }),
    );
    expect(text).toContain('preset **full (1024)**');
    expect(text).toContain(
      '**Pony V6** (SDXL Pony, e621 tags), **NoobAI vpred** (SDXL NoobAI-XL v-pred, e621 tags)',
    );
    expect(text).toContain('**Resolution:** 1024');
    expect(text).toContain("Civitai's trainer uses 1024");
    expect(text).toContain('**Network:** dim 32, alpha 16');
    expect(text).toContain('**Text encoder LR:** 1.358e-5');
    expect(text).toContain(
      '**Optimizer:** Adafactor scale_parameter=False relative_step=False warmup_init=False',
    );
    expect(text).toContain('**Loss:** ε-prediction, min SNR γ 5, noise offset 0.0357');
    expect(text).toContain('**Versus the guide:** SDXL preset');
    expect(text).toContain('1024 instead of 768: SDXL was trained at 1024²');
    expect(text.length).toBeLessThanOrEqual(4000);
  });
});
