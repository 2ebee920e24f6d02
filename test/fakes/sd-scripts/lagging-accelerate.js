#!/usr/bin/env node
// Like accelerate.js, but holds back everything the script prints on one stream until it exits, while the
// other flows live: the worst case of two pipes read independently. Stdout is held by default;
// KILN_FAKE_LAG_STREAM=stderr holds stderr (the progress bars) instead. Tests use it to prove the wrapper
// does not depend on the order in which stdout and stderr lines arrive.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const lagging = process.env.KILN_FAKE_LAG_STREAM === 'stderr' ? 'stderr' : 'stdout';
const launcher = join(fileURLToPath(new URL('.', import.meta.url)), 'accelerate.js');
const child = spawn(process.execPath, [launcher, ...process.argv.slice(2)], {
  stdio: ['ignore', lagging === 'stdout' ? 'pipe' : 'inherit', lagging === 'stderr' ? 'pipe' : 'inherit'],
});
const held = [];
child[lagging].on('data', (chunk) => held.push(chunk));
child.on('close', (code) => {
  process[lagging].write(Buffer.concat(held), () => process.exit(code ?? 1));
});
