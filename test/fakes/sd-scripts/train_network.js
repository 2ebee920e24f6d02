#!/usr/bin/env node
// Stands in for sd-scripts' train_network.py (SD 1.x/2.x LoRA training). See README.md.
import { main } from './fake-sd-scripts.js';

await main('train_network.py');
