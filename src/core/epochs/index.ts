/** The epoch check: sample prompts, token budget and per-epoch likeness scores, pure. */
export * from './prompts.ts';
export * from './scores.ts';
export * from './vote.ts';
