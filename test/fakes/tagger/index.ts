/** The tagger stand-ins: a tiny ONNX tagger with known answers, a heavy one for the benchmark, broken ones. */
export * from './tiny-tagger.ts';
export * from './heavy-tagger.ts';
export * from './misshapen.ts';
export { OnnxGraphBuilder } from './onnx-builder.ts';
