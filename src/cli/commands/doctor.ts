import type { Command } from 'commander';
import { readConfig } from '../../config/env.ts';
import { canTrain, formatReport } from '../../core/doctor/report.ts';
import { runDoctor } from '../../trainer/doctor.ts';

/** `kiln doctor`: can this box train? One line per check, the fix for each failure, exit 1 when it cannot. */
export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check that this box can train: sd-scripts and its version, Python, torch, accelerate, CUDA, base models, tokenizer cache, disk',
    )
    .action(async () => {
      const config = readConfig(['runtime', 'trainer']);
      const checks = await runDoctor({
        sdScriptsDir: config.SD_SCRIPTS_DIR,
        launcher: config.SD_SCRIPTS_LAUNCHER,
        baseModelsFile: config.BASE_MODELS_FILE,
        dataDir: config.DATA_DIR,
        device: config.TRAIN_DEVICE,
      });
      process.stdout.write(formatReport(checks));
      if (!canTrain(checks)) process.exitCode = 1;
    });
}
