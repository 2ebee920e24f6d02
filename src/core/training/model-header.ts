import type { BaseModel, ModelFamily, Prediction } from './plan.ts';

/**
 * What a checkpoint's safetensors header says about the model, so a base-model entry that declares the wrong
 * family or prediction type is refused before hours of training give a useless LoRA. Pure: the caller reads the
 * header (tensor names and the `__metadata__` strings) and `kiln doctor` can use the same rules.
 *
 * Key prefixes: SDXL keeps its two text encoders under `conditioner.embedders.`, SD 1.x its CLIP under
 * `cond_stage_model.transformer.` and SD 2.x its OpenCLIP under `cond_stage_model.model.` (sd-scripts
 * `library/sdxl_model_util.py` and `library/model_util.py`; kohya_ss `sd_modeltype.py` tells the families apart
 * the same way, after A1111). SD3 has `x_embedder`, FLUX.1 `double_blocks`.
 *
 * v-prediction: ComfyUI and A1111 mark v-pred checkpoints with an empty `v_pred` tensor (and `ztsnr` for
 * zero-terminal-SNR ones, as NoobAI-XL v-pred ships); other files only say so in the metadata
 * (`modelspec.prediction_type` = `v` or `v_prediction`, ComfyUI issue #12579). sd-scripts reads neither, so
 * Kiln must pass the flags itself. No marker means "not known", never "ε".
 */

export type HeaderFamily = ModelFamily | 'sd2' | 'sd3' | 'flux' | 'unknown';

export interface CheckpointHeader {
  tensorNames: Iterable<string>;
  metadata: Readonly<Record<string, string>>;
}

export interface CheckpointKind {
  family: HeaderFamily;
  /** null when the header does not say. */
  prediction: Prediction | null;
  /** The key or metadata entry each answer came from, for messages. */
  familyEvidence: string | null;
  predictionEvidence: string | null;
}

const V_VALUES = new Set(['v', 'v_prediction', 'v-prediction']);
const EPSILON_VALUES = new Set(['epsilon', 'eps']);
const PREDICTION_METADATA = ['modelspec.prediction_type', 'prediction_type'];

export function classifyCheckpoint(header: CheckpointHeader): CheckpointKind {
  let family: HeaderFamily = 'unknown';
  let familyEvidence: string | null = null;
  let prediction: Prediction | null = null;
  let predictionEvidence: string | null = null;
  // Strongest evidence wins: a later, weaker prefix never overrides an earlier find.
  const rank: Record<HeaderFamily, number> = { sd3: 5, flux: 5, sdxl: 4, sd2: 3, sd1: 1, unknown: 0 };
  const found = (next: HeaderFamily, key: string): void => {
    if (rank[next] > rank[family]) {
      family = next;
      familyEvidence = key;
    }
  };
  for (const key of header.tensorNames) {
    if (key === 'v_pred') {
      prediction = 'v';
      predictionEvidence = 'a v_pred tensor';
    } else if (key === 'model.diffusion_model.x_embedder.proj.weight') found('sd3', key);
    else if (key.endsWith('double_blocks.0.img_attn.norm.key_norm.scale')) found('flux', key);
    else if (key.startsWith('conditioner.')) found('sdxl', 'conditioner.');
    else if (key.startsWith('cond_stage_model.model.')) found('sd2', 'cond_stage_model.model.');
    else if (key.startsWith('cond_stage_model.transformer.')) found('sd1', 'cond_stage_model.transformer.');
  }
  if (prediction === null) {
    for (const name of PREDICTION_METADATA) {
      const value = header.metadata[name]?.trim().toLowerCase();
      if (value === undefined) continue;
      if (V_VALUES.has(value)) prediction = 'v';
      else if (EPSILON_VALUES.has(value)) prediction = 'epsilon';
      else continue;
      predictionEvidence = `metadata ${name} = ${JSON.stringify(header.metadata[name])}`;
      break;
    }
  }
  return { family, prediction, familyEvidence, predictionEvidence };
}

const FAMILY_TEXT: Record<HeaderFamily, string> = {
  sd1: 'an SD 1.x',
  sdxl: 'an SDXL',
  sd2: 'an SD 2.x',
  sd3: 'an SD3',
  flux: 'a FLUX.1',
  unknown: 'an unknown',
};

/**
 * What is wrong with an entry given its file's header (empty when nothing is): a family other than the one
 * declared, a family Kiln does not train, or a prediction type the file contradicts. A wrong prediction type
 * trains a LoRA that draws noise.
 */
export function checkpointMismatches(model: BaseModel, kind: CheckpointKind): string[] {
  const problems: string[] = [];
  if (kind.family === 'sd2' || kind.family === 'sd3' || kind.family === 'flux') {
    problems.push(
      `the file is ${FAMILY_TEXT[kind.family]} checkpoint (it has ${kind.familyEvidence} keys); Kiln trains SD 1.x and SDXL models only`,
    );
  } else if (kind.family !== 'unknown' && kind.family !== model.family) {
    const declared = model.kind ? `family ${model.family} (kind ${model.kind})` : `family ${model.family}`;
    problems.push(
      `the list says ${declared}, but the file is ${FAMILY_TEXT[kind.family]} checkpoint (its text-encoder keys start with ${kind.familyEvidence}); set family = "${kind.family}"${model.kind ? ' and drop kind' : ''} or point the entry at the right file`,
    );
  }
  const declared = model.prediction ?? 'epsilon';
  if (kind.prediction !== null && kind.prediction !== declared) {
    problems.push(
      kind.prediction === 'v'
        ? `the file is a v-prediction model (${kind.predictionEvidence}) but the entry declares ${model.prediction === undefined ? 'no prediction (ε is assumed)' : 'prediction = "epsilon"'}; add prediction = "v", or the LoRA would learn the wrong target and draw noise`
        : `the entry declares prediction = "v" but the file says ε-prediction (${kind.predictionEvidence}); remove prediction = "v" or point the entry at the v-pred file`,
    );
  }
  return problems;
}
