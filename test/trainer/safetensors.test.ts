import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planTraining } from '../../src/core/training/plan.ts';
import {
  SafetensorsError,
  checkMetadata,
  describeMismatches,
  readSafetensorsHeader,
  sha256File,
} from '../../src/trainer/safetensors.ts';
import { temporaryDir } from './helpers.ts';

let tmp: Awaited<ReturnType<typeof temporaryDir>>;
beforeAll(async () => {
  tmp = await temporaryDir('kiln-st-');
});
afterAll(async () => {
  await tmp.remove();
});

function safetensors(header: object, data: Buffer, pad = true): Buffer {
  let json = JSON.stringify(header);
  while (pad && Buffer.byteLength(json) % 8 !== 0) json += ' ';
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(Buffer.byteLength(json)));
  return Buffer.concat([length, Buffer.from(json), data]);
}

const plan = planTraining({ imageCount: 81, headshotCount: 20, preset: 'trash', locon: true });

function metadataFor(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    ss_network_module: 'networks.lora',
    ss_network_dim: '128',
    ss_network_alpha: '64.0',
    ss_learning_rate: '0.00013580246913580247',
    ss_unet_lr: '0.00013580246913580247',
    ss_text_encoder_lr: '[6.790123456790123e-05]',
    ss_num_epochs: '10',
    ss_epoch: '10',
    ss_num_train_images: '810',
    ss_resolution: '(512, 512)',
    ss_base_model_version: 'sd_v1',
    ss_network_args: '{"conv_dim": "32", "conv_alpha": "32"}',
    ss_sd_model_name: 'base.safetensors',
    ss_output_name: 'krystal',
    ...overrides,
  };
}

describe('readSafetensorsHeader', () => {
  it('reads tensors and __metadata__ from a valid file', async () => {
    const path = join(tmp.dir, 'ok.safetensors');
    const data = Buffer.alloc(2 * 4 * 2 + 2);
    await writeFile(
      path,
      safetensors(
        {
          __metadata__: { ss_network_dim: '4' },
          'lora.alpha': { dtype: 'F16', shape: [], data_offsets: [0, 2] },
          'lora.lora_down.weight': { dtype: 'F16', shape: [4, 2], data_offsets: [2, 18] },
        },
        data,
      ),
    );
    const header = await readSafetensorsHeader(path);
    expect(header.metadata).toEqual({ ss_network_dim: '4' });
    expect(header.tensors.get('lora.lora_down.weight')).toEqual({
      dtype: 'F16',
      shape: [4, 2],
      dataOffsets: [2, 18],
    });
  });

  it('refuses a truncated file, a header that is not JSON, and a tensor with the wrong byte count', async () => {
    const truncated = join(tmp.dir, 'truncated.safetensors');
    await writeFile(
      truncated,
      safetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 16] } }, Buffer.alloc(8)),
    );
    await expect(readSafetensorsHeader(truncated)).rejects.toThrow(/truncated or padded/);
    const notJson = join(tmp.dir, 'notjson.safetensors');
    const bytes = safetensors({}, Buffer.alloc(0));
    bytes.write('{{{{', 8);
    await writeFile(notJson, bytes);
    await expect(readSafetensorsHeader(notJson)).rejects.toThrow(SafetensorsError);
    const wrongBytes = join(tmp.dir, 'wrong.safetensors');
    await writeFile(
      wrongBytes,
      safetensors({ t: { dtype: 'F32', shape: [4], data_offsets: [0, 8] } }, Buffer.alloc(8)),
    );
    await expect(readSafetensorsHeader(wrongBytes)).rejects.toThrow(/8 bytes for 4 × F32/);
    const tiny = join(tmp.dir, 'tiny.safetensors');
    await writeFile(tiny, Buffer.alloc(3));
    await expect(readSafetensorsHeader(tiny)).rejects.toThrow(/only 3 bytes/);
  });
});

describe('checkMetadata', () => {
  it('accepts metadata that matches the plan (Python number formats included)', () => {
    expect(
      checkMetadata(metadataFor(), {
        plan,
        epoch: 10,
        baseModelPath: '/models/base.safetensors',
        outputName: 'krystal',
      }),
    ).toEqual([]);
  });

  it('reads the resolution from ss_datasets in dataset-config mode', () => {
    const metadata = metadataFor({ ss_datasets: JSON.stringify([{ resolution: [512, 512] }]) });
    delete metadata.ss_resolution;
    expect(checkMetadata(metadata, { plan })).toEqual([]);
  });

  it('names each value that differs from the plan', () => {
    const mismatches = checkMetadata(
      metadataFor({
        ss_network_dim: '64',
        ss_learning_rate: '0.0001',
        ss_num_train_images: '800',
        ss_network_args: '{}',
      }),
      { plan },
    );
    expect(mismatches.map((m) => m.key)).toEqual([
      'ss_network_dim',
      'ss_learning_rate',
      'ss_num_train_images',
      'ss_network_args.conv_dim',
      'ss_network_args.conv_alpha',
    ]);
    expect(describeMismatches(mismatches)).toContain('ss_network_dim: expected 128, found 64');
    expect(describeMismatches(mismatches)).toContain(
      'ss_network_args.conv_dim: expected 32, found (missing)',
    );
  });

  it('flags a missing key and a wrong base model family', () => {
    const metadata = metadataFor({ ss_base_model_version: 'sdxl_base_v1-0' });
    delete metadata.ss_num_epochs;
    expect(checkMetadata(metadata, { plan }).map((m) => [m.key, m.actual])).toEqual([
      ['ss_num_epochs', null],
      ['ss_base_model_version', 'sdxl_base_v1-0'],
    ]);
  });
});

describe('sha256File', () => {
  it('hashes a file larger than one read chunk', async () => {
    const path = join(tmp.dir, 'big.bin');
    const content = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
    await writeFile(path, content);
    expect(await sha256File(path)).toBe(createHash('sha256').update(content).digest('hex'));
  });
});
