/** The guide's tagging rules (step 5 and its "Tagging suggestions"), pure. */
export * from './types.ts';
export * from './names.ts';
export * from './spelling.ts';
export * from './thresholds.ts';
export * from './groups.ts';
export * from './merge.ts';
export * from './dataset.ts';
export * from './folds.ts';
export * from './outfits.ts';
export * from './doubtful.ts';
export * from './coverage.ts';
export * from './captions.ts';
export * from './cleanup.ts';
