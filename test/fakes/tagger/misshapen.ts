import { writeFile } from 'node:fs/promises';
import { OnnxGraphBuilder, type Dim } from './onnx-builder.ts';

/** Valid ONNX files that are not tagger-shaped, to prove the loader names what it expected. */
export type MisshapenVariant =
  /** `[batch, 3, 448, 448]`: a PyTorch-style NCHW model. */
  | 'nchw'
  /** `[batch, 448, 384, 3]`: not square. */
  | 'non-square'
  /** `[batch, 448, 448, 1]`: one channel. */
  | 'one-channel'
  /** `[448, 448, 3]`: no batch axis. */
  | 'rank-3'
  /** Output `[batch, K, 1]`. */
  | 'output-rank-3';

export async function writeMisshapenModel(path: string, variant: MisshapenVariant, k = 8): Promise<void> {
  const shapes: Record<MisshapenVariant, { input: Dim[]; reduce: number[]; channels: number }> = {
    nchw: { input: ['batch', 3, 448, 448], reduce: [2, 3], channels: 3 },
    'non-square': { input: ['batch', 448, 384, 3], reduce: [1, 2], channels: 3 },
    'one-channel': { input: ['batch', 448, 448, 1], reduce: [1, 2], channels: 1 },
    'rank-3': { input: [448, 448, 3], reduce: [0, 1], channels: 3 },
    'output-rank-3': { input: ['batch', 448, 448, 3], reduce: [1, 2], channels: 3 },
  };
  const shape = shapes[variant];
  const graph = new OnnxGraphBuilder();
  const mean = graph.node('ReduceMean', ['input'], { ints: { axes: shape.reduce }, int: { keepdims: 0 } });
  const weights = new Float32Array(shape.channels * k).fill(0.01);
  let output = graph.node('MatMul', [mean, graph.floats([shape.channels, k], weights)]);
  let outputDims: Dim[] = variant === 'rank-3' ? [k] : ['batch', k];
  if (variant === 'output-rank-3') {
    output = graph.node('Reshape', [output, graph.int64s([0, k, 1])]);
    outputDims = ['batch', k, 1];
  }
  graph.rename(graph.node('Sigmoid', [output]), 'output');
  await writeFile(
    path,
    graph.encode({
      input: { name: 'input', dims: shape.input },
      output: { name: 'output', dims: outputDims },
    }),
  );
}
