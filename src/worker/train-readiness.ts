import { readConfig } from '../config/env.ts';
import { canTrain, describeFailures } from '../core/doctor/report.ts';
import { runDoctor } from '../trainer/doctor.ts';

/**
 * Before the worker takes training jobs: `kiln doctor`'s checks. Returns why this box cannot train (the failed
 * checks, one line each with the fix), or null when it can, so the worker refuses the role instead of failing
 * the first job with a Python traceback.
 */
export async function trainRoleRefusal(env: Record<string, string | undefined>): Promise<string | null> {
  const config = readConfig(['runtime', 'trainer'], env);
  const checks = await runDoctor({
    sdScriptsDir: config.SD_SCRIPTS_DIR,
    launcher: config.SD_SCRIPTS_LAUNCHER,
    baseModelsFile: config.BASE_MODELS_FILE,
    dataDir: config.DATA_DIR,
    device: config.TRAIN_DEVICE,
  });
  if (canTrain(checks)) return null;
  return `This worker refuses the train role (kiln doctor):\n${describeFailures(checks)}`;
}
