import { Project } from '../../cli/project';
import { synthesizeAll, workerCount } from '../../cli/synth-pool';
import { TempProject } from '../support/cli';

describe('parallel synthesis', () => {
  it('uses workers only for many environments on a multi-core machine', () => {
    expect(workerCount(1, 8)).toBe(0);
    expect(workerCount(3, 8)).toBe(0);
    expect(workerCount(4, 1)).toBe(0);
    expect(workerCount(4, 2)).toBe(2);
    expect(workerCount(50, 2)).toBe(2);
    expect(workerCount(5, 16)).toBe(5);
  });

  it('gives the same output, in the same order, in worker threads as in one thread', async () => {
    const project = new TempProject();
    try {
      const shipped = Project.find(project.root).environmentNames().length;
      const base = project.read('environments/test.yaml');
      for (let i = 1; i <= 5; i++) {
        project.write(
          `environments/copy-${i}.yaml`,
          // Each copy is its own site: its own networks, VIP and context (cross-environment checks).
          base
            .replaceAll('10.30.', `10.${40 + i}.`)
            .replace('context: test-admin@test', `context: copy-${i}@test`),
        );
      }
      const tree = Project.find(project.root);
      const envs = tree.loadEnvironments(tree.environmentNames());
      expect(envs.length).toBe(shipped + 5);
      const finished: number[] = [];
      const parallel = await synthesizeAll(envs, (_, count) => finished.push(count), 2);
      const serial = await synthesizeAll(envs, () => {}, 0);
      expect(finished).toEqual(envs.map((_, i) => i + 1));
      expect(parallel.map((t) => t.output.name)).toEqual(envs.map((env) => env.name));
      expect(parallel.map((t) => t.output)).toEqual(serial.map((t) => t.output));
    } finally {
      project.dispose();
    }
  });
});
