// Token counts with the bundled model's own tokenizer (what the service will feed the model), for
// building data/long-reviews.csv to a token budget.
import { join } from 'node:path';
import { AutoTokenizer, env } from '@huggingface/transformers';
import { findPackageRoot } from '../common/package-root.js';

/** Bundled model whose tokenizer counts: the one every deployment serves by default. */
export const COUNTING_MODEL = 'minibert-sst2';

/** A counter of the tokens the model sees for a text, [CLS] and [SEP] included (no truncation). */
export async function modelTokenCounter(modelId: string = COUNTING_MODEL): Promise<(text: string) => number> {
  env.localModelPath = join(findPackageRoot(), 'data', 'models') + '/';
  env.allowRemoteModels = false;
  const tokenizer = await AutoTokenizer.from_pretrained(modelId);
  return (text) => tokenizer.encode(text).length;
}
