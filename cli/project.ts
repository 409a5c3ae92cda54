import * as fs from 'node:fs';
import * as path from 'node:path';
import { crossCheckEnvironments } from '../environments/cross-checks';
import { InputError } from '../environments/input-error';
import { type LoadedEnvironment, loadEnvironment, type SourceFile } from '../environments/load';

/** An environment's name: a DNS-1123 label, as it names the output folder and Kubernetes objects. */
export const ENVIRONMENT_NAME = /^(?=.{1,63}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?$/;

/** The largest environment or template file blueprint reads. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/** The project's environment files and templates, found from the working directory. */
export class Project {
  /** Finds the nearest directory at or above `cwd` that holds `environments/templates/`. */
  static find(cwd: string): Project {
    for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
      if (fs.existsSync(path.join(dir, 'environments', 'templates'))) return new Project(dir);
      if (path.dirname(dir) === dir) break;
    }
    throw new InputError({
      message: `no environments/templates/ folder in ${cwd} or above it; run blueprint inside a Platform Blueprint project`,
    });
  }

  constructor(public readonly root: string) {}

  get environmentsDir(): string {
    return path.join(this.root, 'environments');
  }

  get templatesDir(): string {
    return path.join(this.environmentsDir, 'templates');
  }

  /** Environment names, sorted: every `environments/<name>.yaml`. */
  environmentNames(): string[] {
    return yamlNames(this.environmentsDir);
  }

  /** Template names, sorted: every `environments/templates/<name>.yaml`. */
  templateNames(): string[] {
    return yamlNames(this.templatesDir);
  }

  environmentFile(name: string): string {
    return `environments/${name}.yaml`;
  }

  templateFile(name: string): string {
    return `environments/templates/${name}.yaml`;
  }

  /**
   * Reads an environment or template file as text. Refused with an input error: something
   * that is not a regular file, a file over {@link MAX_SOURCE_BYTES}, and binary content (a
   * NUL byte or bytes that are not UTF-8).
   */
  readSource(relative: string): SourceFile | undefined {
    const full = path.join(this.root, relative);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(full);
    } catch {
      return undefined;
    }
    if (!stat.isFile()) throw new InputError({ file: relative, message: 'is not a regular file' });
    if (stat.size > MAX_SOURCE_BYTES)
      throw new InputError({
        file: relative,
        message: `is ${stat.size} bytes; an environment file may have at most ${MAX_SOURCE_BYTES} bytes (1 MiB)`,
      });
    const bytes = fs.readFileSync(full);
    const nul = bytes.indexOf(0);
    if (nul >= 0)
      throw new InputError({
        file: relative,
        message: `is binary (a NUL byte at offset ${nul}); environment files are YAML text`,
      });
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw new InputError({
        file: relative,
        message: 'is not UTF-8 text; environment files are YAML in UTF-8',
      });
    }
    return { file: relative, text };
  }

  /**
   * Resolves the requested environment names (all when none are given). An unknown name is
   * an input error that lists the known environments.
   */
  selectEnvironments(requested: readonly string[]): string[] {
    const known = this.environmentNames();
    if (requested.length === 0) return known;
    const unknown = requested.filter((name) => !known.includes(name));
    if (unknown.length > 0) {
      throw new InputError(
        unknown.map((name) => ({
          path: '--env',
          value: name,
          message: `is not a known environment (known: ${known.join(', ') || 'none'}; each is environments/<name>.yaml)`,
        })),
      );
    }
    return [...new Set(requested)].sort();
  }

  /** Loads environments, reporting the problems of every file together. */
  loadEnvironments(names: readonly string[]): LoadedEnvironment[] {
    const templates = this.templateNames();
    const loaded: LoadedEnvironment[] = [];
    const problems: InputError[] = [];
    for (const name of names) {
      const file = this.environmentFile(name);
      if (!ENVIRONMENT_NAME.test(name)) {
        problems.push(
          new InputError({
            file,
            value: name,
            message:
              'is not a usable environment name: the file name must be a DNS-1123 label (lowercase letters, digits and "-", at most 63), as it names the output folder and Kubernetes objects',
          }),
        );
        continue;
      }
      const source = this.readSource(file);
      if (!source) throw new InputError({ file, message: 'does not exist' });
      try {
        loaded.push(this.loadOne(name, source, templates));
      } catch (error) {
        if (error instanceof InputError) problems.push(error);
        else throw error;
      }
    }
    if (problems.length > 0) throw new InputError(problems.flatMap((error) => error.problems));
    const conflicts = crossCheckEnvironments([...loaded, ...this.loadOthersQuietly(names)], names);
    if (conflicts.length > 0) throw new InputError(conflicts);
    return loaded;
  }

  /** Loads one environment file over its template (see environments/load.ts). */
  private loadOne(name: string, source: SourceFile, templates: readonly string[]): LoadedEnvironment {
    return loadEnvironment(
      name,
      source,
      (template) => (templates.includes(template) ? this.readSource(this.templateFile(template)) : undefined),
      templates,
    );
  }

  /**
   * The environments not in `names` that load cleanly, for the cross-environment checks of a
   * partial selection (`synth --env prod-b` must still notice that prod holds the same VIP).
   * A broken file outside the selection is that file's problem, reported when it is selected.
   */
  loadOthersQuietly(names: readonly string[]): LoadedEnvironment[] {
    const templates = this.templateNames();
    const others: LoadedEnvironment[] = [];
    for (const name of this.environmentNames().filter(
      (known) => !names.includes(known) && ENVIRONMENT_NAME.test(known),
    )) {
      const source = this.readSource(this.environmentFile(name));
      if (!source) continue;
      try {
        others.push(this.loadOne(name, source, templates));
      } catch (error) {
        if (!(error instanceof InputError)) throw error;
      }
    }
    return others;
  }
}

function yamlNames(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.yaml'))
    .map((entry) => entry.name.slice(0, -'.yaml'.length))
    .sort();
}
