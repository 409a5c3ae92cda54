import { InputError } from '../../environments/input-error';

/** Runs an argument parser, turning its complaints into a usage InputError. */
export function usage<T>(synopsis: string, parse: () => T): T {
  try {
    return parse();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new InputError({ message: `${message.replace(/\.$/, '')}; usage: ${synopsis}` });
  }
}
