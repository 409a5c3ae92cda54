import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from '../../support/cli';
import { describeWithCluster } from '../../support/rehearsal';

// cli/rehearsal/kwok-stages.yaml is a copy of kwok's default stages; it must stay the pinned
// module's own (the module is in Go's module cache once `npm run cluster:build` ran).
const FILES = [
  'node/fast/node-initialize.yaml',
  'node/heartbeat-with-lease/node-heartbeat-with-lease.yaml',
  'pod/general/pod-create.yaml',
  'pod/general/pod-init-container-running.yaml',
  'pod/general/pod-init-container-completed.yaml',
  'pod/general/pod-ready.yaml',
  'pod/general/pod-complete.yaml',
  'pod/general/pod-delete.yaml',
];

describeWithCluster("the rehearsal's kwok stages", () => {
  it('are, document by document, the stages of the pinned sigs.k8s.io/kwok', () => {
    const moduleDir = execFileSync('go', ['list', '-m', '-f', '{{.Dir}}', 'sigs.k8s.io/kwok'], {
      cwd: path.join(REPO_ROOT, 'tools', 'cluster', 'kwok'),
      encoding: 'utf8',
      env: { ...process.env, GOFLAGS: '-mod=readonly' },
    }).trim();
    const ours = parseAllDocuments(
      fs.readFileSync(path.join(REPO_ROOT, 'cli', 'rehearsal', 'kwok-stages.yaml'), 'utf8'),
    )
      .map((doc) => doc.toJS())
      .filter(Boolean);
    const upstream = FILES.flatMap((file) =>
      parseAllDocuments(fs.readFileSync(path.join(moduleDir, 'kustomize', 'stage', file), 'utf8'))
        .map((doc) => doc.toJS())
        .filter(Boolean),
    );
    expect(ours).toEqual(upstream);
    expect(ours.map((stage) => stage.metadata.name)).toContain('pod-ready');
  });
});
