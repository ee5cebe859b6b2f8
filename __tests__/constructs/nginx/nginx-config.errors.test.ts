import { Token } from 'cdktf';
import { NginxBackend, NginxConfigError, POD_LAYOUT, renderNginxConfig, type NginxConfigProps } from '../../../constructs/nginx';

// Bad input fails at synth with a message naming the field and the fix.

const valid: NginxConfigProps = {
  backend: NginxBackend.unixSocket({ socketPath: '/var/run/app/app.sock', readinessPath: '/readyz' }),
  trustedProxies: ['130.211.0.0/22'],
};

function renderError(props: Partial<NginxConfigProps>): NginxConfigError {
  try {
    renderNginxConfig({ ...valid, ...props });
  } catch (error) {
    expect(error).toBeInstanceOf(NginxConfigError);
    return error as NginxConfigError;
  }
  throw new Error('expected renderNginxConfig to throw');
}

describe('renderNginxConfig validation', () => {
  it.each([
    ['10.0.0.0/33', /`trustedProxies\[1\]` must be an IPv4\/IPv6 address or CIDR such as '130.211.0.0\/22'.*prefix length must be 0-32 \(got "10.0.0.0\/33"\)/],
    ['2400:cb00::/129', /prefix length must be 0-128/],
    ['not-an-ip', /`trustedProxies\[1\]` must be an IPv4\/IPv6 address or CIDR/],
    ['10.0.0.0/8/8', /must be an IPv4\/IPv6 address or CIDR/],
    ['300.1.1.1', /must be an IPv4\/IPv6 address or CIDR/],
    ['10.0.0.0/8; evil', /must be an IPv4\/IPv6 address or CIDR/],
    ['0.0.0.0/0', /must not trust every address \(\/0\): any client could then spoof its IP/],
    ['::/0', /must not trust every address/],
  ])('rejects trusted proxy %j', (entry, message) => {
    expect(renderError({ trustedProxies: ['35.191.0.0/16', entry] }).message).toMatch(message);
  });

  it('accepts addresses, CIDRs (v4 and v6) and string tokens', () => {
    const token = Token.asString({ resolve: () => '34.1.2.3' });
    expect(() => renderNginxConfig({ ...valid, trustedProxies: ['34.1.2.3', '2400:cb00::/32', '::1', token] })).not.toThrow();
  });

  it('rejects a list token, which cannot become one directive per entry', () => {
    const listToken = Token.asList({ resolve: () => ['34.1.2.3'] });
    expect(renderError({ trustedProxies: listToken }).message).toMatch(/`trustedProxies` is a cdktf list token; .*pass each address as its own string/);
  });

  it.each([0, 70000, 80.5, -1])('rejects listenPort %j', (port) => {
    expect(renderError({ listenPort: port }).message).toMatch(/`listenPort` must be an integer TCP port between 1 and 65535, e.g. 8080 \(got /);
  });

  it.each(['abc', '0', '1 m', '10mb', '', '1m;'])('rejects clientMaxBodySize %j', (size) => {
    expect(renderError({ clientMaxBodySize: size }).message).toMatch(/`clientMaxBodySize` must be an NGINX size such as '1m', '512k' or '65536' \(bytes\), greater than 0/);
  });

  it('rejects a listen address that is not an IP literal', () => {
    expect(renderError({ listenAddress: 'localhost' }).message).toMatch(/`listenAddress` must be an IPv4 or IPv6 address literal .*omit it to listen on all interfaces/);
  });

  it.each([
    [{ workerProcesses: 0 }, /`workerProcesses` must be a positive integer; match the container's CPU limit/],
    [{ workerConnections: 1.5 }, /`workerConnections` must be a positive integer/],
    [{ keepaliveTimeoutSeconds: 0 }, /`keepaliveTimeoutSeconds` must be a positive integer; keep it above the load balancer's 600 s/],
    [{ paths: { tempDir: 'tmp/nginx' } }, /`paths.tempDir` must be an absolute path/],
    [{ paths: { pidFile: '/tmp/../etc/nginx.pid' } }, /`paths.pidFile` must be an absolute path .* without '\.\.'/],
  ] as Array<[Partial<NginxConfigProps>, RegExp]>)('rejects %j', (props, message) => {
    expect(renderError(props).message).toMatch(message);
  });

  it('requires a backend made by a factory', () => {
    expect(renderError({ backend: {} as NginxBackend }).message).toMatch(/`backend` must be NginxBackend.unixSocket\(\{...\}\) or NginxBackend.staticFiles/);
  });
});

describe('NginxBackend validation', () => {
  it.each([
    [{ socketPath: 'app.sock' }, /`backend.socketPath` must be an absolute path/],
    [{ socketPath: '/var/run/app/app sock' }, /`backend.socketPath` must be an absolute path/],
    [{ socketPath: `/${'d'.repeat(120)}/app.sock` }, /`backend.socketPath` must be at most 107 bytes \(the unix socket path limit\)/],
    [{ readinessPath: 'readyz' }, /`backend.readinessPath` must be a URL path starting with '\/'/],
    [{ readinessPath: '/ready;z' }, /`backend.readinessPath` must be a URL path/],
    [{ keepaliveTimeoutSeconds: 0 }, /`backend.keepaliveTimeoutSeconds` must be a positive integer; keep it below the app's keep-alive idle timeout/],
  ])('unixSocket rejects %j', (override, message) => {
    expect(() => NginxBackend.unixSocket({ socketPath: '/var/run/app/app.sock', readinessPath: '/readyz', ...override })).toThrow(message);
  });

  it.each([
    [{ root: 'srv/www' }, /`backend.root` must be an absolute path/],
    [{ root: '/srv/../etc' }, /`backend.root` must be an absolute path .* without '\.\.'/],
    [{ root: '/srv/www; autoindex on' }, /`backend.root` must be an absolute path/],
    [{ readinessFile: '/index.html' }, /`backend.readinessFile` must be a file path relative to the root/],
    [{ readinessFile: '../index.html' }, /`backend.readinessFile` must be a file path relative to the root/],
    [{ spaFallback: 'index.html' }, /`backend.spaFallback` must be a URL path starting with '\/'/],
    [{ assetsPrefix: '/assets' }, /`backend.assetsPrefix` must start and end with '\/', e.g. '\/assets\/'/],
    [{ assetCacheSeconds: -1 }, /`backend.assetCacheSeconds` must be an integer >= 0/],
  ])('staticFiles rejects %j', (override, message) => {
    expect(() => NginxBackend.staticFiles({ root: POD_LAYOUT.htmlDir, ...override })).toThrow(message);
  });
});
