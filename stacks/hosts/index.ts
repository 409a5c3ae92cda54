import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';
import { renderControlPlaneHosts } from './control-plane';
import { renderWorkerHosts } from './workers';

/** The files each machine needs, under `hosts/<host>/`. */
export function renderHostFiles(env: LoadedEnvironment): OutputFile[] {
  return [...renderControlPlaneHosts(env), ...renderWorkerHosts(env)];
}
