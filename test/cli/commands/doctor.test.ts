import { execa } from 'execa';
import { describe, expect, it } from 'vitest';

describe('kiln doctor', () => {
  it('prints one line per check with the fix and exits 1 when this box cannot train', async () => {
    const result = await execa('node_modules/.bin/tsx', ['src/cli/main.ts', 'doctor'], {
      env: {
        PATH: process.env.PATH ?? '',
        SD_SCRIPTS_DIR: 'test/fakes/sd-scripts',
        SD_SCRIPTS_LAUNCHER: JSON.stringify([
          process.execPath,
          `${process.cwd()}/test/fakes/sd-scripts/python.js`,
        ]),
        KILN_FAKE_PROBE: JSON.stringify({
          torch: { ok: false, error: "ModuleNotFoundError: No module named 'torch'" },
        }),
        DATA_DIR: 'data-test-doctor',
      },
      extendEnv: false,
      reject: false,
      timeout: 60_000,
    });
    expect(result.exitCode).toBe(1);
    const lines = String(result.stdout).trim().split('\n');
    expect(lines[0]).toMatch(/^FAIL sd-scripts folder: test\/fakes\/sd-scripts has no train_network\.py/);
    expect(lines).toContain(
      "FAIL torch: not importable by /opt/venv/bin/python3.10 (ModuleNotFoundError: No module named 'torch') Fix: /opt/venv/bin/pip install torch torchvision (the CUDA build for your driver), then sd-scripts' requirements.txt.",
    );
    expect(lines.at(-1)).toMatch(/^This box cannot train: \d+ checks failed\.$/);
    expect(String(result.stderr)).not.toMatch(/Traceback|\n\s+at /);
  });
});
