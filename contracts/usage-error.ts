// The one error type for bad command-line input. Every CLI prints its message on one line and exits 2
// before it starts anything.
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
}
