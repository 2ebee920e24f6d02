export * from './buckets.ts';
export * from './folder-name.ts';
export * from './outputs.ts';
export * from './plan.ts';
