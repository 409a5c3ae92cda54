import type { LoadedEnvironment } from '../../environments/load';
import type { OutputFile } from '../output-file';
import { renderControlPlaneHosts } from './control-plane';
import { renderHostPrerequisites } from './prerequisites';
import { renderWorkerHosts } from './workers';

/** The files each machine needs, under `hosts/<host>/`. */
export function renderHostFiles(env: LoadedEnvironment): OutputFile[] {
  const files = [...renderControlPlaneHosts(env), ...renderWorkerHosts(env)];
  return [...files, ...renderHostPrerequisites(env, files)];
}
