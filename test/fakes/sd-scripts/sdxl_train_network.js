#!/usr/bin/env node
// Stands in for sd-scripts' sdxl_train_network.py. See README.md.
import { main } from './fake-sd-scripts.js';

await main('sdxl_train_network.py');
