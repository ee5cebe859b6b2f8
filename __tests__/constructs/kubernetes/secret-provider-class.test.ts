import { Testing, TerraformStack } from 'cdktf';
import { SECRET_MANAGER_CSI_DRIVER, SECRET_PROVIDER_CLASS_API_VERSION, SecretProviderClass, type SecretProviderClassProps } from '../../../constructs/kubernetes';
import { resources } from '../../support/topology';

const props: SecretProviderClassProps = {
  name: 'api-secrets',
  namespace: 'apps',
  labels: { team: 't' },
  files: [
    { secretId: 'projects/p/secrets/mongodb-uri', path: 'uri' },
    { secretId: 'projects/p/secrets/search-ca', path: 'ca.crt' },
  ],
};

function synth(change: Partial<SecretProviderClassProps> = {}) {
  const stack = new TerraformStack(Testing.app(), 'test');
  const providerClass = new SecretProviderClass(stack, 'api-secrets', { ...props, ...change });
  return { providerClass, json: JSON.parse(Testing.synth(stack)) };
}

describe('SecretProviderClass', () => {
  it("names each secret's latest version for GKE's add-on, one file each, and never a value", () => {
    const { json } = synth();
    const [manifest] = resources(json, 'kubernetes_manifest');
    expect(manifest.manifest).toEqual({
      apiVersion: SECRET_PROVIDER_CLASS_API_VERSION,
      kind: 'SecretProviderClass',
      metadata: { name: 'api-secrets', namespace: 'apps', labels: { team: 't' } },
      spec: {
        provider: 'gke',
        parameters: {
          secrets: '- resourceName: "projects/p/secrets/mongodb-uri/versions/latest"\n  path: "uri"\n- resourceName: "projects/p/secrets/search-ca/versions/latest"\n  path: "ca.crt"\n',
        },
      },
    });
  });

  it("takes the address its own id gives it (its manifest is the construct's Default child)", () => {
    expect(Object.keys(synth().json.resource.kubernetes_manifest)).toEqual(['api-secrets']);
  });

  it("mounts read-only through the add-on's CSI driver, by its name", () => {
    expect(synth().providerClass.volumeSource()).toEqual({ csi: { driver: SECRET_MANAGER_CSI_DRIVER, readOnly: true, volumeAttributes: { secretProviderClass: 'api-secrets' } } });
  });

  it.each<[string, Partial<SecretProviderClassProps>, string]>([
    ['no files', { files: [] }, 'SecretProviderClass api-secrets: `files` is empty; list the secrets it mounts'],
    ['a path that leaves the mount directory', { files: [{ secretId: 'projects/p/secrets/x', path: '../x' }] }, 'SecretProviderClass api-secrets: file path "../x" must be a plain file name'],
    ['a path with a directory', { files: [{ secretId: 'projects/p/secrets/x', path: 'a/b' }] }, 'file path "a/b" must be a plain file name'],
    ['the parent directory', { files: [{ secretId: 'projects/p/secrets/x', path: '..' }] }, 'file path ".." must be a plain file name'],
  ])('refuses %s, saying what to write', (_what, change, message) => {
    expect(() => synth(change)).toThrow(message);
  });
});
