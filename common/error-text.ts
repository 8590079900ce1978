// The one way to turn anything thrown into a line for a message: the first line of its message.

export function errorText(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0]!.trim() || (err instanceof Error ? err.name : 'error');
}
