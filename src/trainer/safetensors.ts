import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import type { TrainingPlan } from '../core/training/plan.ts';

/**
 * Reads what sd-scripts wrote: the safetensors header (8-byte little-endian length, then JSON with each tensor's
 * dtype/shape/offsets and a flat string map `__metadata__`) and checks its `ss_*` values against the plan, so a
 * run that silently trained something else (wrong LR, images not found, other base model) is caught.
 */

export interface TensorInfo {
  dtype: string;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  metadata: Record<string, string>;
  tensors: Map<string, TensorInfo>;
  headerBytes: number;
  fileBytes: number;
}

/** safetensors refuses headers over 100 MB; so do we, before allocating. */
const MAX_HEADER_BYTES = 100_000_000;
const DTYPE_BYTES: Record<string, number> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U8: 1,
  BOOL: 1,
  F8_E4M3: 1,
  F8_E5M2: 1,
};

export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size < 8) throw new SafetensorsError(`${path} is not a safetensors file: only ${size} bytes`);
    const prefix = Buffer.alloc(8);
    await handle.read(prefix, 0, 8, 0);
    const length = prefix.readBigUInt64LE(0);
    if (length > BigInt(MAX_HEADER_BYTES) || Number(length) + 8 > size) {
      throw new SafetensorsError(`${path}: header length ${length} does not fit the file (${size} bytes)`);
    }
    const headerBytes = Number(length);
    const buffer = Buffer.alloc(headerBytes);
    await handle.read(buffer, 0, headerBytes, 8);
    let json: unknown;
    try {
      json = JSON.parse(buffer.toString('utf8'));
    } catch (error) {
      throw new SafetensorsError(`${path}: header is not JSON (${(error as Error).message})`);
    }
    if (json === null || typeof json !== 'object' || Array.isArray(json)) {
      throw new SafetensorsError(`${path}: header is not a JSON object`);
    }
    const metadata: Record<string, string> = {};
    const tensors = new Map<string, TensorInfo>();
    let dataEnd = 0;
    for (const [name, value] of Object.entries(json as Record<string, unknown>)) {
      if (name === '__metadata__') {
        for (const [key, item] of Object.entries((value ?? {}) as Record<string, unknown>)) {
          if (typeof item !== 'string')
            throw new SafetensorsError(`${path}: metadata ${key} is not a string`);
          metadata[key] = item;
        }
        continue;
      }
      const tensor = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
      const offsets = tensor.data_offsets;
      if (
        typeof tensor.dtype !== 'string' ||
        !Array.isArray(tensor.shape) ||
        !Array.isArray(offsets) ||
        offsets.length !== 2
      ) {
        throw new SafetensorsError(`${path}: tensor ${name} has no dtype, shape or data_offsets`);
      }
      const [begin, end] = offsets as [number, number];
      const elements = (tensor.shape as number[]).reduce((product, dim) => product * dim, 1);
      const width = DTYPE_BYTES[tensor.dtype];
      if (width !== undefined && end - begin !== elements * width) {
        throw new SafetensorsError(
          `${path}: tensor ${name} has ${end - begin} bytes for ${elements} × ${tensor.dtype}`,
        );
      }
      dataEnd = Math.max(dataEnd, end);
      tensors.set(name, { dtype: tensor.dtype, shape: tensor.shape as number[], dataOffsets: [begin, end] });
    }
    if (8 + headerBytes + dataEnd !== size) {
      throw new SafetensorsError(
        `${path}: file is ${size} bytes but header and tensors account for ${8 + headerBytes + dataEnd} (truncated or padded)`,
      );
    }
    return { metadata, tensors, headerBytes, fileBytes: size };
  } finally {
    await handle.close();
  }
}

/** SHA-256 of a file, streamed (models are hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export interface MetadataMismatch {
  key: string;
  expected: string;
  actual: string | null;
}

export interface MetadataExpectations {
  plan: TrainingPlan;
  /** The epoch this file should hold (the final file holds the last). */
  epoch?: number;
  baseModelPath?: string;
  outputName?: string;
}

/** Python's str() of a list of floats, or a bare float: take the first number. */
function firstNumber(text: string): number {
  const match = /-?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|nan|inf/i.exec(text);
  return match ? Number(match[0]) : Number.NaN;
}

function resolutionFrom(metadata: Record<string, string>): string | null {
  const direct = metadata.ss_resolution;
  if (direct !== undefined) {
    const numbers = direct.match(/\d+/g);
    return numbers ? numbers.join('x') : direct;
  }
  const datasets = metadata.ss_datasets;
  if (datasets === undefined) return null;
  try {
    const parsed = JSON.parse(datasets) as Array<{ resolution?: number[] }>;
    const resolution = parsed[0]?.resolution;
    return resolution ? resolution.join('x') : null;
  } catch {
    return null;
  }
}

function trainImagesFrom(metadata: Record<string, string>): string | null {
  return metadata.ss_num_train_images ?? null;
}

/**
 * Compares the `ss_*` metadata with the plan. Numbers are compared as numbers (Python writes `64.0`, `1e-05`);
 * the step count only when the plan's count is exact.
 */
export function checkMetadata(
  metadata: Record<string, string>,
  expected: MetadataExpectations,
): MetadataMismatch[] {
  const { plan } = expected;
  const mismatches: MetadataMismatch[] = [];
  const expectNumber = (key: string, want: number, actual = metadata[key] ?? null): void => {
    if (actual === null || firstNumber(actual) !== want)
      mismatches.push({ key, expected: String(want), actual });
  };
  const expectText = (key: string, want: string, actual = metadata[key] ?? null): void => {
    if (actual !== want) mismatches.push({ key, expected: want, actual });
  };
  expectText('ss_network_module', plan.network.value.module);
  expectNumber('ss_network_dim', plan.network.value.dim);
  expectNumber('ss_network_alpha', plan.network.value.alpha);
  expectNumber('ss_learning_rate', plan.learningRate.value);
  expectNumber('ss_unet_lr', plan.learningRate.value);
  expectNumber('ss_text_encoder_lr', plan.textEncoderLr.value.lr);
  expectNumber('ss_num_epochs', plan.epochs.value);
  if (expected.epoch !== undefined) expectNumber('ss_epoch', expected.epoch);
  expectNumber('ss_num_train_images', plan.images.value * plan.repeats.value, trainImagesFrom(metadata));
  const resolution = plan.resolution.value;
  expectText('ss_resolution', `${resolution}x${resolution}`, resolutionFrom(metadata));
  expectText('ss_base_model_version', plan.family === 'sdxl' ? 'sdxl_base_v1-0' : 'sd_v1');
  if (plan.totalSteps.value.exact) expectNumber('ss_max_train_steps', plan.totalSteps.value.steps);
  const conv = plan.conv.value;
  const rawArgs = metadata.ss_network_args;
  let args: Record<string, string> = {};
  try {
    args = rawArgs ? (JSON.parse(rawArgs) as Record<string, string>) : {};
  } catch {
    mismatches.push({ key: 'ss_network_args', expected: 'JSON', actual: rawArgs ?? null });
  }
  if (conv) {
    expectNumber('ss_network_args.conv_dim', conv.dim, args.conv_dim ?? null);
    expectNumber('ss_network_args.conv_alpha', conv.alpha, args.conv_alpha ?? null);
  } else if (args.conv_dim !== undefined) {
    mismatches.push({
      key: 'ss_network_args.conv_dim',
      expected: '(none: LoCon off)',
      actual: args.conv_dim,
    });
  }
  if (expected.baseModelPath !== undefined) {
    expectText('ss_sd_model_name', basename(expected.baseModelPath));
  }
  if (expected.outputName !== undefined) expectText('ss_output_name', expected.outputName);
  return mismatches;
}

export function describeMismatches(mismatches: readonly MetadataMismatch[]): string {
  return mismatches
    .map((m) => `${m.key}: expected ${m.expected}, found ${m.actual === null ? '(missing)' : m.actual}`)
    .join('; ');
}
