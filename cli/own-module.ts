import * as path from 'node:path';
import { PACKAGE_ROOT } from '../stacks/package-root';

/**
 * Whether this process runs the TypeScript sources (development, jest, through the swc
 * require hook in bin/register-ts.js) or the compiled package (lib/, what `blueprint` runs).
 */
const FROM_SOURCES = __filename.endsWith('.ts');

/** One of the CLI's own modules, to be started in a worker thread or a child process. */
export interface OwnModule {
  /** The module's file: `<base>.ts` from the sources, `<base>.js` compiled. */
  readonly script: string;
  /** Modules to require first: the require hook when running the sources, else none. */
  readonly preload: readonly string[];
}

/** The module `base` (no extension) in `dir`, in the form this process itself runs. */
export function ownModule(dir: string, base: string): OwnModule {
  return {
    script: path.join(dir, `${base}${FROM_SOURCES ? '.ts' : '.js'}`),
    preload: FROM_SOURCES ? [path.join(PACKAGE_ROOT, 'bin', 'register-ts.js')] : [],
  };
}

/** `node` arguments that run `module`. */
export function nodeArguments(module: OwnModule): string[] {
  return [...module.preload.flatMap((file) => ['-r', file]), module.script];
}

/** Source for `new Worker(source, { eval: true })` that runs `module`. */
export function workerSource(module: OwnModule): string {
  return [...module.preload, module.script].map((file) => `require(${JSON.stringify(file)});`).join(' ');
}
