import { imagesIn, pinImageDigests } from '../../../stacks/addons/image-digests';

const digest = `sha256:${'ef'.repeat(32)}`;

describe('pinImageDigests', () => {
  it('pins whole references in fields, arguments and embedded files, and nothing that only starts alike', () => {
    const used = new Set<string>();
    const pinned = pinImageDigests(
      {
        image: 'quay.io/x/op:v1.2',
        args: ['--reloader-image=quay.io/x/op:v1.2', '--other=quay.io/x/op:v1.20'],
        data: { 'config.yaml': 'shutdownManager:\n  image: quay.io/x/op:v1.2\n' },
        already: `quay.io/x/op:v1.2@${digest}`,
      },
      new Map([['quay.io/x/op:v1.2', digest]]),
      used,
    );
    expect(pinned).toEqual({
      image: `quay.io/x/op:v1.2@${digest}`,
      args: [`--reloader-image=quay.io/x/op:v1.2@${digest}`, '--other=quay.io/x/op:v1.20'],
      data: { 'config.yaml': `shutdownManager:\n  image: quay.io/x/op:v1.2@${digest}\n` },
      already: `quay.io/x/op:v1.2@${digest}`,
    });
    expect([...used]).toEqual(['quay.io/x/op:v1.2']);
  });

  it('lists the images objects name, without digests', () => {
    expect([
      ...imagesIn([{ spec: { containers: [{ image: `a/b:1@${digest}` }, { image: 'c/d:2' }] } }]),
    ]).toEqual(['a/b:1', 'c/d:2']);
  });
});
