import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { planTraining } from '../../src/core/training/plan.ts';
import { tokenizerCacheDir, tokenizerFolder, trainerCacheEnv } from '../../src/trainer/cache-dirs.ts';
import { buildTrainerConfig } from '../../src/trainer/config.ts';

describe('sd-scripts caches under DATA_DIR', () => {
  it('point --tokenizer_cache_dir and HF_HOME into DATA_DIR/sd-scripts', () => {
    expect(tokenizerCacheDir('/data')).toBe('/data/sd-scripts/tokenizers');
    expect(tokenizerFolder('/data', 'sd1')).toEqual([
      '/data/sd-scripts/tokenizers/openai_clip-vit-large-patch14',
    ]);
    expect(tokenizerFolder('/data', 'sdxl')).toContain(
      '/data/sd-scripts/tokenizers/laion_CLIP-ViT-bigG-14-laion2B-39B-b160k',
    );
    expect(trainerCacheEnv('/data')).toEqual({ HF_HOME: '/data/sd-scripts/huggingface' });
  });

  it('are written into config.toml, so the second training on a box needs no network', () => {
    const plan = planTraining({ imageCount: 20, headshotCount: 5, gpuMemoryGb: 24 });
    const config = buildTrainerConfig({
      plan,
      imageDir: '/run/img/10_x',
      mainTag: 'x',
      baseModelPath: '/models/m.safetensors',
      outputDir: '/run/output',
      outputName: 'x',
      tokenizerCacheDir: tokenizerCacheDir('/data'),
    });
    expect(config.config.tokenizer_cache_dir).toBe(join('/data', 'sd-scripts', 'tokenizers'));
  });
});
