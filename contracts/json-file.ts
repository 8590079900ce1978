// Reading a JSON file that a schema describes (run.json, summary.json): one way to parse and validate,
// with an error that names the file and the first field that is wrong.
import type { z } from 'zod';

export function parseJsonWith<S extends z.ZodType>(
  schema: S,
  text: string,
  file: string,
  makeError: (message: string) => Error,
): z.output<S> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw makeError(`${file}: not JSON (${(err as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw makeError(`${file}: ${issue.path.join('.') || '(top level)'}: ${issue.message}`);
  }
  return parsed.data;
}
