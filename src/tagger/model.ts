import { existsSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { UserError } from '../core/errors.ts';

/**
 * One tagger model in onnxruntime-node. Everything about its layout is read from the file (input and output
 * names, input size, whether the batch dimension is free), never assumed; only the layout itself is required:
 * NHWC `[batch, size, size, 3]` in, `[batch, K]` out, as WD and the e621 tagger have.
 */

export type ExecutionProvider = 'cuda' | 'cpu';
/** `auto`: CUDA when its provider library is installed, otherwise CPU. */
export type ProviderChoice = 'auto' | readonly ExecutionProvider[];

export interface ModelInfo {
  path: string;
  inputName: string;
  outputName: string;
  /** Side of the square input, in pixels. */
  size: number;
  /** A fixed batch size (WD v2 files: 1), or null when the batch dimension is free. */
  fixedBatch: number | null;
  /** Number of outputs (tags), or null if the file leaves it open (then checked on the first run). */
  outputCount: number | null;
  provider: ExecutionProvider;
  /** Why a requested CUDA provider was not used. */
  fallback?: string;
}

export interface LoadedModel {
  session: ort.InferenceSession;
  info: ModelInfo;
}

/** onnxruntime-node's CUDA provider ships separately (its install script downloads it); is it here? */
export function cudaProviderInstalled(): boolean {
  try {
    const require = createRequire(import.meta.url);
    const root = dirname(dirname(require.resolve('onnxruntime-node')));
    const file =
      process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(root, 'bin', 'napi-v6', process.platform, process.arch, file));
  } catch {
    return false;
  }
}

function requestedProviders(choice: ProviderChoice): ExecutionProvider[] {
  if (choice === 'auto') return cudaProviderInstalled() ? ['cuda', 'cpu'] : ['cpu'];
  return choice.length > 0 ? [...choice] : ['cpu'];
}

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'all',
  logSeverityLevel: 3,
};

const describe = (shape: readonly (number | string)[]) => `[${shape.map((d) => String(d)).join(', ')}]`;
const isFixed = (dim: number | string | undefined): dim is number => typeof dim === 'number' && dim > 0;

/** Reads and checks the model's layout; throws naming the file and what a tagger must look like. */
export function readModelLayout(session: ort.InferenceSession, path: string): Omit<ModelInfo, 'provider'> {
  const expected =
    'a tagger takes one image tensor [batch, size, size, 3] (rank-4 NHWC, 3 colour channels, square, float32) and returns [batch, K] scores';
  const input = session.inputMetadata[0];
  const output = session.outputMetadata[0];
  if (!input?.isTensor || !output?.isTensor) {
    throw new UserError(
      'invalid-model',
      `${path} is not a tagger model: ${expected}; it has no tensor input/output.`,
    );
  }
  const inShape = input.shape;
  const outShape = output.shape;
  const problem = (what: string) =>
    new UserError(
      'invalid-model',
      `${path} is not shaped like a tagger model: ${what}. Expected: ${expected}. Found: input "${input.name}" ${describe(inShape)} ${input.type}, output "${output.name}" ${describe(outShape)}.`,
    );
  if (input.type !== 'float32') throw problem(`its input is ${input.type}, not float32`);
  if (inShape.length !== 4) throw problem(`its input has rank ${inShape.length}, not 4`);
  const [batch, height, width, channels] = inShape;
  if (channels !== 3) {
    throw problem(
      channels === undefined || (typeof channels === 'number' && channels > 4) || height === 3
        ? 'its input looks channel-first (NCHW); taggers here are channel-last (NHWC)'
        : `its input has ${String(channels)} channels, not 3`,
    );
  }
  if (!isFixed(height) || !isFixed(width)) throw problem('its input size is not fixed');
  if (height !== width) throw problem(`its input is ${height}×${width}, not square`);
  if (outShape.length !== 2) throw problem(`its output has rank ${outShape.length}, not 2`);
  return {
    path,
    inputName: input.name,
    outputName: output.name,
    size: height,
    fixedBatch: isFixed(batch) ? batch : null,
    outputCount: isFixed(outShape[1]) ? outShape[1] : null,
  };
}

/**
 * Opens a tagger model: CUDA first when asked for (or installed, with `auto`), and CPU when CUDA cannot be
 * loaded — onnxruntime does not fall back by itself, its `create` throws, so this catches and retries.
 */
export async function loadModel(path: string, choice: ProviderChoice = 'auto'): Promise<LoadedModel> {
  try {
    const stats = await stat(path);
    if (!stats.isFile()) throw new UserError('invalid-model', `The tagger model path ${path} is not a file.`);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new UserError(
        'model-missing',
        `No tagger model at ${path}. Run \`kiln models download\` (models go to MODELS_DIR).`,
      );
    }
    throw error;
  }
  const providers = requestedProviders(choice);
  let fallback: string | undefined;
  let session: ort.InferenceSession | undefined;
  let provider: ExecutionProvider = 'cpu';
  if (providers.includes('cuda')) {
    // A missing CUDA library is expected on CPU machines: report it once through our log, not ORT's stderr.
    ort.env.logLevel = 'fatal';
    try {
      session = await ort.InferenceSession.create(path, {
        ...SESSION_OPTIONS,
        logSeverityLevel: 4,
        executionProviders: ['cuda'],
      });
      provider = 'cuda';
    } catch (error) {
      fallback = `CUDA provider unavailable (${firstLine(error)})`;
    }
  }
  if (!session) {
    try {
      session = await ort.InferenceSession.create(path, { ...SESSION_OPTIONS, executionProviders: ['cpu'] });
      provider = 'cpu';
    } catch (error) {
      throw new UserError(
        'invalid-model',
        `${path} is not a readable ONNX model (${firstLine(error)}). Delete it and run \`kiln models download\` again.`,
      );
    }
  }
  try {
    const layout = readModelLayout(session, path);
    return { session, info: { ...layout, provider, ...(fallback ? { fallback } : {}) } };
  } catch (error) {
    await session.release();
    throw error;
  }
}

function firstLine(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0]?.slice(0, 300) ?? message;
}

/**
 * Runs one batch: `pixels` holds `count` preprocessed images (NHWC). A model with a fixed batch size gets
 * its batch padded with blank images; the scores of the real images come back, `count × K`.
 */
export async function runModel(
  model: LoadedModel,
  pixels: Float32Array,
  count: number,
): Promise<{ scores: Float32Array; outputCount: number }> {
  const { info, session } = model;
  const perImage = info.size * info.size * 3;
  if (pixels.length !== count * perImage) {
    throw new Error(`expected ${count * perImage} values for ${count} images, got ${pixels.length}`);
  }
  const batch = info.fixedBatch ?? count;
  if (count > batch) throw new Error(`the model takes batches of ${batch}, got ${count} images`);
  let data = pixels;
  if (batch > count) {
    data = new Float32Array(batch * perImage);
    data.set(pixels);
  }
  const tensor = new ort.Tensor('float32', data, [batch, info.size, info.size, 3]);
  const results = await session.run({ [info.inputName]: tensor });
  const output = results[info.outputName];
  if (!output || output.type !== 'float32' || output.dims.length !== 2 || output.dims[0] !== batch) {
    throw new UserError(
      'invalid-model',
      `${info.path} returned ${output ? `${output.type} ${describe(output.dims)}` : 'no output'} for a batch of ${batch}; a tagger returns float32 [batch, K].`,
    );
  }
  const outputCount = output.dims[1] ?? 0;
  const scores = (output.data as Float32Array).slice(0, count * outputCount);
  tensor.dispose();
  output.dispose();
  return { scores, outputCount };
}
