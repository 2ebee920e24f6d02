#!/usr/bin/env node
// Stands in for `accelerate launch`: reads launch's own flags, then runs the training script from the working
// directory as a child process (as accelerate runs Python), so the child shares the process group. A script named
// `x.py` runs the fake `x.js` beside it. A failing child makes accelerate raise CalledProcessError: exit code 1.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import process from 'node:process';

const VALUE_FLAGS = new Set([
  'num_cpu_threads_per_process',
  'num_processes',
  'num_machines',
  'mixed_precision',
  'dynamo_backend',
  'config_file',
  'main_process_ip',
  'main_process_port',
  'machine_rank',
  'gpu_ids',
  'gradient_accumulation_steps',
]);
const BOOLEAN_FLAGS = new Set(['multi_gpu', 'cpu', 'quiet', 'debug', 'no_python', 'module']);

function usage(message) {
  process.stderr.write(
    `usage: accelerate <command> [<args>] launch [-h] [--config_file CONFIG_FILE] ... training_script ...\n`,
  );
  process.stderr.write(`accelerate <command> [<args>] launch: error: ${message}\n`);
  process.exit(2);
}

const argv = process.argv.slice(2);
if (argv[0] !== 'launch') usage(`expected the "launch" command, got ${JSON.stringify(argv[0] ?? '')}`);
let i = 1;
for (; i < argv.length; i++) {
  const token = argv[i];
  if (!token.startsWith('-')) break;
  const [name, inline] = token.replace(/^--?/, '').split(/=(.*)/s);
  if (BOOLEAN_FLAGS.has(name) || token === '-q' || token === '-m') continue;
  if (!VALUE_FLAGS.has(name)) usage(`unrecognized arguments: ${token}`);
  if (inline === undefined) {
    if (i + 1 >= argv.length) usage(`argument --${name}: expected one argument`);
    i++;
  }
}
const script = argv[i];
if (script === undefined) usage('the following arguments are required: training_script');
const scriptArgs = argv.slice(i + 1);
const pyPath = resolve(process.cwd(), script);
const jsPath = pyPath.replace(/\.py$/, '.js');
if (!script.endsWith('.py') || !existsSync(jsPath)) {
  process.stderr.write(`python: can't open file '${pyPath}': [Errno 2] No such file or directory\n`);
  process.stderr.write(
    `subprocess.CalledProcessError: Command '['python', '${script}']' returned non-zero exit status 2.\n`,
  );
  process.exit(1);
}

const child = spawn(process.execPath, [jsPath, ...scriptArgs], { stdio: 'inherit' });
// Ctrl-C reaches the whole group; accelerate's own wait() is interrupted at once (it does not wait for Python).
process.on('SIGINT', () => {
  process.stderr.write(
    'Traceback (most recent call last):\n  File "accelerate", line 1, in <module>\nKeyboardInterrupt\n',
  );
  process.exit(1);
});
child.on('exit', (code, signal) => {
  if (code === 0) process.exit(0);
  process.stderr.write(
    `subprocess.CalledProcessError: Command '['python', '${script}', ...]' returned non-zero exit status ${code ?? `-${signal}`}.\n`,
  );
  process.exit(1);
});
