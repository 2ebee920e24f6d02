import { parentPort } from 'node:worker_threads';
import { performance } from 'node:perf_hooks';
import { isUserError } from '../core/errors.ts';
import { loadModel, runModel, type LoadedModel, type ModelInfo, type ProviderChoice } from './model.ts';

/**
 * The inference thread. onnxruntime-node's `session.run` is synchronous native work that would block the
 * event loop for the whole inference, so the session lives here, loaded once, and the main thread sends
 * preprocessed batches (transferred, not copied) and gets scores back.
 */

export type WorkerRequest =
  | { id: number; type: 'load'; modelPath: string; providers: ProviderChoice }
  | { id: number; type: 'run'; pixels: Float32Array; count: number };

export type WorkerReply =
  | { id: number; ok: true; type: 'load'; info: ModelInfo }
  | { id: number; ok: true; type: 'run'; scores: Float32Array; outputCount: number; inferenceMs: number }
  | { id: number; ok: false; error: SerializedError };

export interface SerializedError {
  message: string;
  code?: string;
  stack?: string;
}

let model: LoadedModel | undefined;

async function handle(request: WorkerRequest): Promise<WorkerReply> {
  switch (request.type) {
    case 'load': {
      model ??= await loadModel(request.modelPath, request.providers);
      return { id: request.id, ok: true, type: 'load', info: model.info };
    }
    case 'run': {
      if (!model) throw new Error('the model is not loaded');
      const started = performance.now();
      const { scores, outputCount } = await runModel(model, request.pixels, request.count);
      return {
        id: request.id,
        ok: true,
        type: 'run',
        scores,
        outputCount,
        inferenceMs: performance.now() - started,
      };
    }
  }
}

const port = parentPort;
if (port) {
  // One request at a time: concurrent runs would only fight over the same cores (or GPU).
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (request: WorkerRequest) => {
    queue = queue.then(() =>
      handle(request).then(
        (reply) =>
          port.postMessage(
            reply,
            reply.ok && reply.type === 'run' ? [reply.scores.buffer as ArrayBuffer] : [],
          ),
        (error: unknown) => {
          const serialized: SerializedError = isUserError(error)
            ? { message: error.message, code: error.code }
            : {
                message: error instanceof Error ? error.message : String(error),
                ...(error instanceof Error && error.stack ? { stack: error.stack } : {}),
              };
          port.postMessage({ id: request.id, ok: false, error: serialized } satisfies WorkerReply);
        },
      ),
    );
  });
}
