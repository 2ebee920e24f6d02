export * from './server.ts';
export * from './given.ts';
export { generateImage, renderImage, bombPng, DEFAULT_IMAGE_CACHE, type ImageSpec } from './images.ts';
export { parseSearch, matches, trigramSimilarity } from './search.ts';
