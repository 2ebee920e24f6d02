#!/usr/bin/env node
// Stands in for the training Python when `kiln doctor` runs its probe (src/trainer/doctor-probe.py): prints the
// probe's answer line for a healthy CUDA box, changed by KILN_FAKE_PROBE (JSON merged over it, e.g.
// '{"torch":{"ok":false,"error":"ModuleNotFoundError: No module named \'torch\'"}}'), or
// KILN_FAKE_PROBE=crash (a traceback and exit 1).
import process from 'node:process';

if (process.env.KILN_FAKE_PROBE === 'crash') {
  process.stderr.write(
    'Traceback (most recent call last):\n  File "doctor-probe.py", line 1\nSyntaxError: bad\n',
  );
  process.exit(1);
}
const answer = {
  python: '3.10.12',
  executable: '/opt/venv/bin/python3.10',
  torch: { ok: true, version: '2.5.1+cu124' },
  accelerate: { ok: true, version: '1.6.0' },
  diffusers: { ok: true, version: '0.32.1' },
  transformers: { ok: true, version: '4.54.1' },
  sd_scripts: { ok: true, version: null },
  cuda: { available: true, name: 'NVIDIA GeForce RTX 4090', memory_bytes: 25_757_220_864, count: 1 },
  ...JSON.parse(process.env.KILN_FAKE_PROBE || '{}'),
};
if (answer.torch && !answer.torch.ok) delete answer.cuda;
process.stdout.write(`KILN_DOCTOR ${JSON.stringify(answer)}\n`);
