/**
 * `kiln doctor`'s verdicts: one line per check, with the fix for each failure. Pure: the checks that look at the
 * machine live in src/trainer/doctor.ts.
 */

export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface DoctorCheck {
  /** Short name, e.g. "torch" or "base model yiffymix". */
  name: string;
  status: CheckStatus;
  /** What was found, with the offending value. */
  detail: string;
  /** What to do about a warning or a failure. */
  fix?: string;
}

export function canTrain(checks: readonly DoctorCheck[]): boolean {
  return checks.every((check) => check.status !== 'fail');
}

const LABEL: Record<CheckStatus, string> = { ok: 'ok  ', warn: 'warn', fail: 'FAIL' };

/** "ok   torch: 2.5.1" / "FAIL cuda: … (fix: …)": one line each. */
export function formatCheck(check: DoctorCheck): string {
  const fix = check.status !== 'ok' && check.fix ? ` Fix: ${check.fix}` : '';
  return `${LABEL[check.status]} ${check.name}: ${check.detail}${fix}`;
}

export function formatReport(checks: readonly DoctorCheck[]): string {
  const failed = checks.filter((check) => check.status === 'fail').length;
  const verdict =
    failed === 0
      ? 'This box can train.'
      : `This box cannot train: ${failed} check${failed === 1 ? '' : 's'} failed.`;
  return `${[...checks.map(formatCheck), verdict].join('\n')}\n`;
}

/** The failures alone, for the worker's refusal of the train role. */
export function describeFailures(checks: readonly DoctorCheck[]): string {
  return checks
    .filter((check) => check.status === 'fail')
    .map(formatCheck)
    .join('\n');
}

export type CheckpointFamily = 'sd1' | 'sd2' | 'sdxl' | 'unknown';

/**
 * The family of a single-file checkpoint in the original Stable Diffusion layout, from its tensor names: SDXL has
 * two text encoders under `conditioner.embedders.*`, SD 1.x one CLIP under `cond_stage_model.transformer.*`,
 * SD 2.x an OpenCLIP under `cond_stage_model.model.*`.
 */
export function checkpointFamily(tensorNames: Iterable<string>): CheckpointFamily {
  let sd1 = false;
  let sd2 = false;
  for (const name of tensorNames) {
    if (name.startsWith('conditioner.embedders.')) return 'sdxl';
    if (name.startsWith('cond_stage_model.transformer.')) sd1 = true;
    else if (name.startsWith('cond_stage_model.model.')) sd2 = true;
  }
  return sd1 ? 'sd1' : sd2 ? 'sd2' : 'unknown';
}

/** The family of a Diffusers folder, from model_index.json's pipeline class. */
export function diffusersFamily(modelIndex: unknown): CheckpointFamily {
  const name =
    typeof modelIndex === 'object' && modelIndex !== null
      ? (modelIndex as Record<string, unknown>)._class_name
      : undefined;
  if (typeof name !== 'string') return 'unknown';
  if (name.startsWith('StableDiffusionXL')) return 'sdxl';
  if (name.startsWith('StableDiffusion')) return 'sd1';
  return 'unknown';
}

export const FAMILY_NAMES: Record<CheckpointFamily, string> = {
  sd1: 'SD 1.x',
  sd2: 'SD 2.x',
  sdxl: 'SDXL',
  unknown: 'no known Stable Diffusion layout',
};
