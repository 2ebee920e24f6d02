#!/usr/bin/env node
// Runs the TypeScript CLI through tsx so `kiln` works from a checkout and from the Docker image alike.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('../src/cli/main.ts');
await runCli(process.argv);
