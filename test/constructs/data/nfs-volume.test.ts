import { Chart, Testing } from 'cdk8s';
import { NfsVolume } from '../../../constructs/data/nfs-volume';
import { validateKubernetesObjects } from './kubernetes-schema';

describe('NfsVolume', () => {
  const chart = new Chart(Testing.app(), 'test', { disableResourceNameHashes: true });
  new NfsVolume(chart, 'media', {
    name: 'media',
    namespace: 'commerce',
    server: '10.20.3.30',
    path: '/exports/media',
    size: '200Gi',
  });
  const [volume, claim] = chart.toJson();

  it('binds a claim to exactly its statically provisioned nfs volume', () => {
    expect(volume.kind).toBe('PersistentVolume');
    expect(volume.metadata.name).toBe('commerce-media');
    expect(volume.spec.nfs).toEqual({ server: '10.20.3.30', path: '/exports/media', readOnly: false });
    expect(volume.spec.claimRef).toEqual({ namespace: 'commerce', name: 'media' });
    expect(volume.spec.persistentVolumeReclaimPolicy).toBe('Retain');
    expect(claim.kind).toBe('PersistentVolumeClaim');
    expect(claim.spec.volumeName).toBe('commerce-media');
    // Both "" so that no StorageClass provisions a different volume for the claim.
    expect(volume.spec.storageClassName).toBe('');
    expect(claim.spec.storageClassName).toBe('');
    expect(claim.spec.accessModes).toEqual(volume.spec.accessModes);
    expect(claim.spec.accessModes).toEqual(['ReadWriteMany']);
    expect(validateKubernetesObjects([volume, claim])).toEqual([[], []]);
  });

  it('refuses a loopback server and a relative path with the values', () => {
    const scope = new Chart(Testing.app(), 'bad');
    const props = { name: 'x', namespace: 'a', server: '10.0.0.1', path: '/x', size: '1Gi' };
    expect(() => new NfsVolume(scope, 'a', { ...props, server: '127.0.0.1' })).toThrow(
      `'server' ("127.0.0.1") is a loopback address`,
    );
    expect(() => new NfsVolume(scope, 'b', { ...props, path: 'exports' })).toThrow(`'path' ("exports")`);
  });
});
