import { NginxBackend, renderNginxConfig } from '../../constructs/nginx';
import { httpRequest } from '../support/http';
import { nginxTest, startNginx, type RunningNginx } from '../support/nginx';

// The harness itself: starts, answers, reports config errors with NGINX's own text, stops cleanly.
describe('nginx test harness', () => {
  let nginx: RunningNginx | undefined;
  afterEach(async () => {
    await nginx?.stop();
    nginx = undefined;
  });

  it('runs the rendered config unprivileged and stops gracefully', async () => {
    nginx = await startNginx({
      config: (l) => renderNginxConfig({ ...l.testProps, backend: NginxBackend.staticFiles({ root: l.htmlDir }), trustedProxies: [] }),
    });
    const res = await httpRequest(nginx.baseUrl, '/nginx-health');
    expect(res.status).toBe(200);
    expect(res.body).toBe('ok\n');
    if (process.getuid?.() === 0) {
      const status = require('node:fs').readFileSync(`/proc/${nginx.pid}/status`, 'utf8') as string;
      expect(status).toMatch(/^Uid:\s+65534\s/m);
    }
    const { pid, dir } = nginx;
    await nginx.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(require('node:fs').existsSync(dir)).toBe(false);
  });

  it('rejects an invalid config with the nginx -t message', async () => {
    await expect(startNginx({ config: 'events {}\nhttp { server { listen 127.0.0.1:1; bogus_directive on; } }\n' })).rejects.toThrow(
      /unknown directive "bogus_directive"/,
    );
    expect(nginxTest('events {}\nhttp { nope; }\n')).toEqual({ ok: false, output: expect.stringContaining('unknown directive "nope"') });
  });
});
