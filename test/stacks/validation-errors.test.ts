import { Construct } from 'constructs';
import { ValidationError } from '../../constructs/core/validation-error';
import { InputError } from '../../environments/input-error';
import { TempProject } from '../support/cli';

// A check that only a construct makes (the schema lets the value through) must still reach
// the user as invalid input naming the environment file, not as a bug (exit 70). The topology
// renderer stands in for such a construct here: it throws the construct's ValidationError.
jest.mock('../../stacks/topology', () => {
  const { ValidationError: Thrown } = jest.requireActual('../../constructs/core/validation-error');
  const { Construct: Base } = jest.requireActual('constructs');
  return {
    renderTopology: () => {
      const scope = new Base(undefined as never, 'env');
      throw new Thrown("Microservice api: 'replicas' (-1) must be >= 0", new Base(scope, 'api'));
    },
  };
});

describe('ValidationError', () => {
  it('carries the construct path', () => {
    const root = new Construct(undefined as never, 'root');
    const error = new ValidationError('bad', new Construct(root, 'child'));
    expect(error.constructPath).toBe('root/child');
    expect(error).toBeInstanceOf(Error);
  });

  it('reaches the CLI as exit 2 naming the file and the construct path', async () => {
    const project = new TempProject();
    try {
      const result = await project.run(['synth', '--env', 'test', '--out', 'out']);
      expect(result.stderr).toBe(
        "error: environments/test.yaml: env/api: Microservice api: 'replicas' (-1) must be >= 0",
      );
      expect(result.code).toBe(2);
      expect(InputError).toBeDefined();
    } finally {
      project.dispose();
    }
  });
});
