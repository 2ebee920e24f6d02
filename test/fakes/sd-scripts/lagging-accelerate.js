#!/usr/bin/env node
// Like accelerate.js, but holds back everything the script prints on stdout until it exits, while stderr flows
// live: the worst case of two pipes read independently. Tests use it to prove the wrapper does not depend on the
// order in which stdout and stderr lines arrive.
import { Buffer } from 'node:buffer';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const launcher = join(fileURLToPath(new URL('.', import.meta.url)), 'accelerate.js');
const child = spawn(process.execPath, [launcher, ...process.argv.slice(2)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const held = [];
child.stdout.on('data', (chunk) => held.push(chunk));
child.on('close', (code) => {
  process.stdout.write(Buffer.concat(held), () => process.exit(code ?? 1));
});
