import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';

/** The files each machine needs, under `hosts/<host>/`. */
export function renderHostFiles(_env: LoadedEnvironment): OutputFile[] {
  return [];
}
