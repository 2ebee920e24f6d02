import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { OnnxGraphBuilder } from './onnx-builder.ts';

/**
 * A tagger-shaped model with a real tagger's kind of compute, for the autotag benchmark: same I/O as WD v3
 * (NHWC `[batch, 448, 448, 3]` BGR 0–255 in, `[batch, 10861]` sigmoid out: 4 ratings, 8106 general,
 * 2751 character), with a ConvNeXt-like pyramid of dense convolutions in between (stem 4×4/4 to 112², then
 * stages at 112², 56², 28², 14² with 64/128/256/512 channels). Its weights are random: scores mean nothing.
 *
 * For scale: a ViT-B/16 or ConvNeXt-B tagger at 448 px costs roughly 120–160 GFLOPs per image (about 4× their
 * 224 px figures). The default here is 20 GFLOPs so that 100 images fit a benchmark run on two shared cores;
 * `gflops` picks another budget (the stage-2 depth is chosen to reach it).
 */

const SIZE = 448;
const CHANNELS = [64, 128, 256, 512] as const;
const RESOLUTIONS = [112, 56, 28, 14] as const;
export const HEAVY_TAG_COUNTS = { rating: 4, general: 8106, character: 2751 } as const;

export interface HeavyTagger {
  modelPath: string;
  tagsPath: string;
  /** Floating-point operations per image (2 × multiply-adds of every Conv and MatMul). */
  flopsPerImage: number;
  convLayers: number;
}

function random(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return ((state >>> 0) / 0xffffffff) * 2 - 1;
  };
}

export async function generateHeavyTagger(options: { dir: string; gflops?: number }): Promise<HeavyTagger> {
  const next = random(1234);
  const heUniform = (count: number, fanIn: number) => {
    const limit = Math.sqrt(6 / fanIn);
    const values = new Float32Array(count);
    for (let i = 0; i < count; i++) values[i] = next() * limit;
    return values;
  };
  const k = HEAVY_TAG_COUNTS.rating + HEAVY_TAG_COUNTS.general + HEAVY_TAG_COUNTS.character;
  const graph = new OnnxGraphBuilder();
  let macs = 0;
  let convLayers = 0;
  const conv = (input: string, inC: number, outC: number, kernel: number, stride: number, outRes: number) => {
    const pad = kernel === 3 ? 1 : 0;
    const weights = graph.floats(
      [outC, inC, kernel, kernel],
      heUniform(outC * inC * kernel * kernel, inC * kernel * kernel),
    );
    const bias = graph.floats([outC], new Float32Array(outC));
    macs += outRes * outRes * outC * inC * kernel * kernel;
    convLayers += 1;
    const out = graph.node('Conv', [input, weights, bias], {
      ints: { kernel_shape: [kernel, kernel], strides: [stride, stride], pads: [pad, pad, pad, pad] },
    });
    return graph.node('Relu', [out]);
  };

  // Depth per stage: one 3×3 conv each, the rest of the budget in stage 2 (cheap weights, same FLOPs).
  const perConv = (i: number) => 2 * (RESOLUTIONS[i] ?? 0) ** 2 * 9 * (CHANNELS[i] ?? 0) ** 2;
  const fixed =
    2 *
      (RESOLUTIONS[0] ** 2 * CHANNELS[0] * 3 * 16 +
        RESOLUTIONS[1] ** 2 * CHANNELS[1] * CHANNELS[0] * 4 +
        RESOLUTIONS[2] ** 2 * CHANNELS[2] * CHANNELS[1] * 4 +
        RESOLUTIONS[3] ** 2 * CHANNELS[3] * CHANNELS[2] * 4 +
        CHANNELS[3] * k) +
    perConv(0) +
    perConv(2) +
    perConv(3);
  const target = (options.gflops ?? 20) * 1e9;
  const depths = [1, Math.max(1, Math.round((target - fixed) / perConv(1))), 1, 1];

  let x = graph.node('Transpose', ['input_1:0'], { ints: { perm: [0, 3, 1, 2] } });
  x = graph.node('Mul', [x, graph.floats([], new Float32Array([1 / 255]))]);
  x = conv(x, 3, CHANNELS[0], 4, 4, RESOLUTIONS[0]);
  for (let stage = 0; stage < 4; stage++) {
    const channels = CHANNELS[stage] ?? 0;
    if (stage > 0) x = conv(x, CHANNELS[stage - 1] ?? 0, channels, 2, 2, RESOLUTIONS[stage] ?? 0);
    for (let d = 0; d < (depths[stage] ?? 0); d++)
      x = conv(x, channels, channels, 3, 1, RESOLUTIONS[stage] ?? 0);
  }
  x = graph.node('GlobalAveragePool', [x]);
  x = graph.node('Flatten', [x], { int: { axis: 1 } });
  x = graph.node('MatMul', [x, graph.floats([CHANNELS[3], k], heUniform(CHANNELS[3] * k, CHANNELS[3]))]);
  macs += CHANNELS[3] * k;
  x = graph.node('Add', [x, graph.floats([k], new Float32Array(k).fill(-2))]);
  graph.rename(graph.node('Sigmoid', [x]), 'predictions_sigmoid');

  await mkdir(options.dir, { recursive: true });
  const modelPath = join(options.dir, 'model.onnx');
  const tagsPath = join(options.dir, 'selected_tags.csv');
  await writeFile(
    modelPath,
    graph.encode({
      input: { name: 'input_1:0', dims: ['batch', SIZE, SIZE, 3] },
      output: { name: 'predictions_sigmoid', dims: ['batch', k] },
    }),
  );
  const rows = ['tag_id,name,category,count'];
  const ratings = ['general', 'sensitive', 'questionable', 'explicit'];
  for (let i = 0; i < k; i++) {
    if (i < HEAVY_TAG_COUNTS.rating) rows.push(`${i},${ratings[i]},9,0`);
    else if (i < HEAVY_TAG_COUNTS.rating + HEAVY_TAG_COUNTS.general) rows.push(`${i},general_tag_${i},0,0`);
    else rows.push(`${i},character_tag_${i},4,0`);
  }
  await writeFile(tagsPath, `${rows.join('\n')}\n`);
  return { modelPath, tagsPath, flopsPerImage: 2 * macs, convLayers };
}
