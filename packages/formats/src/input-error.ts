/**
 * InputError: the one error type for bad bytes or bad fields a user handed us (a data set, a
 * checkpoint, a config, a run folder). Its message is one line naming the file (or field) and
 * what was expected; the CLI prints it and exits 2, never with a stack trace. Every reader of
 * user input throws a subclass of it and nothing else for malformed input — the fuzz campaign
 * (packages/cli/src/fuzz) holds each reader to that.
 */
export class InputError extends Error {
  constructor(message: string) {
    // One line, whatever a caller or a wrapped message contained.
    super(message.replace(/\s*\n\s*/g, ' '));
    this.name = 'InputError';
  }
}
