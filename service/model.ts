// Loads the sentiment model once: from the local models folder when it is there, otherwise from the
// download cache or (when allowed) the Hugging Face hub. Failures say which model, where we looked and
// how to fix it.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { env, pipeline } from '@huggingface/transformers';
import { errorText } from '../common/error-text.js';
import type { ModelDtype, ServiceConfig } from './config.js';

export interface Prediction {
  readonly label: string;
  readonly score: number;
}

/** One model call's answer: a prediction per text, and how long the call itself took. */
export interface Classified {
  readonly predictions: Prediction[];
  /** Wall time of the pipeline call (tokenize, ONNX run, softmax), ms. */
  readonly modelMs: number;
}

/** The loaded model as the service sees it: one call classifies a whole batch. */
export interface Classifier {
  readonly modelId: string;
  readonly dtype: ModelDtype;
  /** Where the weights came from: "local <dir>" or "hub (cache <dir>)". */
  readonly source: string;
  classify(texts: string[]): Promise<Classified>;
  dispose(): Promise<void>;
}

export interface ModelOptions {
  readonly modelId: string;
  readonly dtype: ModelDtype;
  readonly modelDir: string;
  readonly cacheDir: string;
  readonly allowRemote: boolean;
  readonly onnxThreads?: number | undefined;
  /** onnxruntime's session.intra_op.allow_spinning; false unless asked for. */
  readonly onnxSpinning?: boolean;
}

/** The loader's options as the settings give them. */
export function modelOptionsFrom(cfg: ServiceConfig): ModelOptions {
  return {
    modelId: cfg.modelId,
    dtype: cfg.modelDtype,
    modelDir: cfg.modelDir,
    cacheDir: cfg.modelCacheDir,
    allowRemote: cfg.allowRemoteModels,
    onnxThreads: cfg.onnxThreads,
    onnxSpinning: cfg.onnxSpinning,
  };
}

export class ModelLoadError extends Error {
  override name = 'ModelLoadError';
}

/** The ONNX file transformers.js reads for each dtype. */
export const ONNX_FILE: Record<ModelDtype, string> = { fp32: 'onnx/model.onnx', q8: 'onnx/model_quantized.onnx' };

type TextClassifier = ((texts: string[], opts?: { top_k?: number }) => Promise<Prediction[]>) & {
  dispose(): Promise<void>;
};

export async function loadClassifier(opts: ModelOptions): Promise<Classifier> {
  const localFolder = path.join(opts.modelDir, opts.modelId);
  const isLocal = existsSync(path.join(localFolder, 'config.json'));
  if (isLocal && !existsSync(path.join(localFolder, ONNX_FILE[opts.dtype]))) {
    throw new ModelLoadError(
      `model "${opts.modelId}" has no ${opts.dtype} weights: ${path.join(localFolder, ONNX_FILE[opts.dtype])} is missing. ` +
        `Fix: set MODEL_DTYPE to a dtype the folder has, or add that file.`,
    );
  }

  // transformers.js reads these globals when it resolves files; set them for this one load.
  env.allowLocalModels = isLocal;
  env.localModelPath = opts.modelDir;
  env.allowRemoteModels = !isLocal && opts.allowRemote;
  env.cacheDir = opts.cacheDir;

  // Spinning worker threads burn the cores other replicas, the load generator and the collector need
  // (measured: 3× less throughput on a busy 2-core box); waking them costs far less. See the README.
  const sessionOptions = {
    ...(opts.onnxThreads !== undefined ? { intraOpNumThreads: opts.onnxThreads } : {}),
    extra: { session: { intra_op: { allow_spinning: opts.onnxSpinning === true ? '1' : '0' } } },
  };
  let clf: TextClassifier;
  try {
    clf = (await pipeline('sentiment-analysis', opts.modelId, {
      dtype: opts.dtype,
      session_options: sessionOptions,
    })) as unknown as TextClassifier;
  } catch (err) {
    const cause = err instanceof Error ? (err.cause as { code?: unknown; message?: unknown } | undefined) : undefined;
    const why = errorText(err) + (cause !== undefined ? ` (${String(cause.code ?? cause.message)})` : '');
    const looked = isLocal
      ? `local folder ${localFolder}`
      : `local folder ${localFolder} (absent), download cache ${opts.cacheDir}` +
        (opts.allowRemote ? ', and the Hugging Face hub' : ' (remote download is off: ALLOW_REMOTE_MODELS=0)');
    const fix = isLocal
      ? 'check that the folder holds config.json, tokenizer.json and the ONNX file of the chosen MODEL_DTYPE'
      : opts.allowRemote
        ? `check network access to huggingface.co and the id, or put the model folder at ${localFolder}`
        : `put the model folder at ${localFolder}, set ALLOW_REMOTE_MODELS=1 with network access, or use MODEL_ID=minibert-sst2 (bundled)`;
    throw new ModelLoadError(`cannot load model "${opts.modelId}" (${opts.dtype}): ${why}. Looked in: ${looked}. Fix: ${fix}.`);
  }

  return {
    modelId: opts.modelId,
    dtype: opts.dtype,
    source: isLocal ? `local ${localFolder}` : `hub (cache ${opts.cacheDir})`,
    // The pipeline pads the batch to its longest text and truncates anything past the model's max length.
    classify: async (texts) => {
      const started = performance.now();
      const predictions = await clf(texts, { top_k: 1 });
      return { predictions, modelMs: performance.now() - started };
    },
    dispose: () => clf.dispose(),
  };
}
