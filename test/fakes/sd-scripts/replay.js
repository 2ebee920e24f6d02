#!/usr/bin/env node
// Plays back a recorded run of the real sd-scripts (test/fixtures/sd-scripts/*.jsonl: one {t, stream, data} chunk a
// line, in the order they arrived) as a launcher would: same bytes, same \r redraws, same stdout/stderr order.
// `{OUTPUT_DIR}` in the recording becomes KILN_REPLAY_OUTPUT_DIR, and the file of each "saving checkpoint: …" line
// is written before the line, as sd-scripts does. KILN_REPLAY_LAG=stderr|stdout holds that stream back until
// the end (two pipes read out of order). Arguments after the fixture (the script and its options) are ignored.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import process from 'node:process';
import { setImmediate } from 'node:timers';

const [fixture] = process.argv.slice(2);
const outputDir = process.env.KILN_REPLAY_OUTPUT_DIR ?? '/tmp/kiln-replay-output';
const lag = process.env.KILN_REPLAY_LAG ?? '';
const chunks = readFileSync(fixture, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((line) => JSON.parse(line));

const write = (stream, data) =>
  new Promise((done) => (stream === 'stdout' ? process.stdout : process.stderr).write(data, done));
const held = [];
let previous = null;
for (const chunk of chunks) {
  const data = chunk.data.replaceAll('{OUTPUT_DIR}', outputDir);
  for (const match of data.matchAll(/saving checkpoint: (\S+)/g)) {
    mkdirSync(dirname(match[1]), { recursive: true });
    writeFileSync(match[1], 'replayed checkpoint');
  }
  if (chunk.stream === lag) {
    held.push(chunk.stream, data);
    continue;
  }
  // A turn of the event loop between streams, so the reader sees them in the recorded order.
  if (previous !== null && previous !== chunk.stream) await new Promise((done) => setImmediate(done));
  previous = chunk.stream;
  await write(chunk.stream, data);
}
for (let i = 0; i < held.length; i += 2) await write(held[i], held[i + 1]);
process.exitCode = Number(process.env.KILN_REPLAY_EXIT_CODE ?? 0);
