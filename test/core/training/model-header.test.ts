import { describe, expect, it } from 'vitest';
import { checkpointMismatches, classifyCheckpoint } from '../../../src/core/training/model-header.ts';
import type { BaseModel } from '../../../src/core/training/plan.ts';

const SD1_KEYS = [
  'model.diffusion_model.input_blocks.0.0.weight',
  'cond_stage_model.transformer.text_model.embeddings.token_embedding.weight',
  'first_stage_model.decoder.conv_in.weight',
];
const SDXL_KEYS = [
  'model.diffusion_model.input_blocks.0.0.weight',
  'conditioner.embedders.0.transformer.text_model.embeddings.token_embedding.weight',
  'conditioner.embedders.1.model.token_embedding.weight',
];
const classify = (keys: string[], metadata: Record<string, string> = {}) =>
  classifyCheckpoint({ tensorNames: keys, metadata });

const entry = (extra: Partial<BaseModel>): BaseModel => ({
  name: 'm',
  file: '/m.safetensors',
  family: 'sdxl',
  tagStyle: 'e621',
  ...extra,
});

describe('classifyCheckpoint', () => {
  it('tells SD 1.x, SDXL, SD 2.x, SD3 and FLUX apart by their key prefixes', () => {
    expect(classify(SD1_KEYS)).toMatchObject({ family: 'sd1', prediction: null });
    expect(classify(SDXL_KEYS)).toMatchObject({ family: 'sdxl', familyEvidence: 'conditioner.' });
    expect(
      classify(['model.diffusion_model.input_blocks.0.0.weight', 'cond_stage_model.model.ln_final.weight'])
        .family,
    ).toBe('sd2');
    expect(classify(['model.diffusion_model.x_embedder.proj.weight']).family).toBe('sd3');
    expect(classify(['double_blocks.0.img_attn.norm.key_norm.scale']).family).toBe('flux');
    expect(classify(['lora_unet_down.weight']).family).toBe('unknown');
  });

  it('reads v-prediction from a v_pred tensor or the metadata, and says null when nothing tells', () => {
    expect(classify([...SDXL_KEYS, 'v_pred', 'ztsnr'])).toMatchObject({
      prediction: 'v',
      predictionEvidence: 'a v_pred tensor',
    });
    expect(classify(SDXL_KEYS, { 'modelspec.prediction_type': 'v' }).prediction).toBe('v');
    expect(classify(SDXL_KEYS, { prediction_type: 'v_prediction' }).prediction).toBe('v');
    expect(classify(SDXL_KEYS, { 'modelspec.prediction_type': 'epsilon' }).prediction).toBe('epsilon');
    expect(classify(SDXL_KEYS, { 'modelspec.prediction_type': 'flow' }).prediction).toBeNull();
    expect(classify(SDXL_KEYS).prediction).toBeNull();
  });
});

describe('checkpointMismatches', () => {
  it('accepts an entry its file agrees with, or says nothing about', () => {
    expect(
      checkpointMismatches(entry({ kind: 'noobai', prediction: 'v' }), classify([...SDXL_KEYS, 'v_pred'])),
    ).toEqual([]);
    expect(checkpointMismatches(entry({ kind: 'pony' }), classify(SDXL_KEYS))).toEqual([]);
    expect(checkpointMismatches(entry({ prediction: 'v' }), classify(SDXL_KEYS))).toEqual([]);
    expect(checkpointMismatches(entry({ family: 'sd1' }), classify(SD1_KEYS))).toEqual([]);
  });

  it('refuses an SDXL preset on an SD 1.x file and the reverse', () => {
    expect(checkpointMismatches(entry({ kind: 'illustrious' }), classify(SD1_KEYS))).toEqual([
      'the list says family sdxl (kind illustrious), but the file is an SD 1.x checkpoint (its text-encoder keys start with cond_stage_model.transformer.); set family = "sd1" and drop kind or point the entry at the right file',
    ]);
    expect(checkpointMismatches(entry({ family: 'sd1' }), classify(SDXL_KEYS))[0]).toContain(
      'the file is an SDXL checkpoint',
    );
  });

  it('refuses a v-pred file declared ε, and a v entry whose file says ε', () => {
    expect(checkpointMismatches(entry({ kind: 'noobai' }), classify([...SDXL_KEYS, 'v_pred']))).toEqual([
      'the file is a v-prediction model (a v_pred tensor) but the entry declares no prediction (ε is assumed); add prediction = "v", or the LoRA would learn the wrong target and draw noise',
    ]);
    expect(
      checkpointMismatches(
        entry({ prediction: 'epsilon' }),
        classify(SDXL_KEYS, { 'modelspec.prediction_type': 'v_prediction' }),
      )[0],
    ).toContain('but the entry declares prediction = "epsilon"');
    expect(
      checkpointMismatches(
        entry({ prediction: 'v' }),
        classify(SDXL_KEYS, { 'modelspec.prediction_type': 'epsilon' }),
      ),
    ).toEqual([
      'the entry declares prediction = "v" but the file says ε-prediction (metadata modelspec.prediction_type = "epsilon"); remove prediction = "v" or point the entry at the v-pred file',
    ]);
  });

  it('refuses families Kiln does not train', () => {
    expect(
      checkpointMismatches(entry({}), classify(['double_blocks.0.img_attn.norm.key_norm.scale']))[0],
    ).toMatch(/a FLUX\.1 checkpoint .*Kiln trains SD 1\.x and SDXL models only/);
  });
});
