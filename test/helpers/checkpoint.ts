import { writeFileSync } from 'node:fs';

/** Tensor names that tell a checkpoint's family, as sd-scripts' loaders and Kiln's header check read them. */
const FAMILY_TENSORS = {
  sd1: [
    'model.diffusion_model.input_blocks.0.0.weight',
    'cond_stage_model.transformer.text_model.final_layer_norm.weight',
  ],
  sdxl: [
    'model.diffusion_model.input_blocks.0.0.weight',
    'conditioner.embedders.0.transformer.text_model.final_layer_norm.weight',
  ],
} as const;

/**
 * A minimal, valid .safetensors file of a family (one tiny F16 tensor per name): what a base model file must be
 * for the worker to accept it, without gigabytes of weights.
 */
export function writeTinyCheckpoint(
  path: string,
  family: keyof typeof FAMILY_TENSORS,
  metadata: Record<string, string> = {},
): string {
  const names = FAMILY_TENSORS[family];
  const header: Record<string, unknown> = { __metadata__: metadata };
  names.forEach((name, index) => {
    header[name] = { dtype: 'F16', shape: [1], data_offsets: [index * 2, index * 2 + 2] };
  });
  const json = Buffer.from(JSON.stringify(header), 'utf8');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(path, Buffer.concat([length, json, Buffer.alloc(names.length * 2)]));
  return path;
}
