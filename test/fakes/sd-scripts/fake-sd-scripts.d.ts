/** Types for the fake sd-scripts (plain JS, run by Node); see README.md. */

/** Runs the fake training script (`train_network.py` or `sdxl_train_network.py`) with process.argv. */
export function main(script: 'train_network.py' | 'sdxl_train_network.py'): Promise<void>;

/** Python's repr() of a float, as sd-scripts writes numbers into ss_* metadata. */
export function pyFloat(value: number): string;

/**
 * The solid colour of a fake sample image: SHA-256 of the prompt text (before " --"), first three bytes, unless
 * overridden by prompt text (and optionally per epoch).
 */
export function sampleColour(
  prompt: string,
  epoch: number,
  overrides?: Record<string, string | Record<string, string>>,
): { r: number; g: number; b: number };
