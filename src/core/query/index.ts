export * from './post.ts';
export * from './tags.ts';
export * from './schema.ts';
export * from './plan.ts';
export * from './select.ts';
export * from './suggest.ts';
