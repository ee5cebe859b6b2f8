import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { NginxBackend, renderNginxConfig } from '../../constructs/nginx';
import { httpRequest } from '../support/http';
import { nginxTest, startNginx, type RunningNginx } from '../../testing/nginx';

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
      const status = fs.readFileSync(`/proc/${nginx.pid}/status`, 'utf8');
      expect(status).toMatch(/^Uid:\s+65534\s/m);
    }
    const { pid, dir } = nginx;
    await nginx.stop();
    expect(() => process.kill(pid, 0)).toThrow();
    expect(fs.existsSync(dir)).toBe(false);
  });

  it('rejects an invalid config with the nginx -t message and leaves no temp dir behind', async () => {
    // A private TMPDIR (os.tmpdir() reads it on every call) shows exactly what the harness leaves.
    const privateTmp = fs.mkdtempSync(path.join(os.tmpdir(), 'harness-'));
    fs.chmodSync(privateTmp, 0o755);
    const savedTmp = process.env.TMPDIR;
    process.env.TMPDIR = privateTmp;
    try {
      const invalid = 'events {}\nhttp { server { listen 127.0.0.1:1; bogus_directive on; } }\n';
      await expect(startNginx({ config: invalid })).rejects.toThrow(/unknown directive "bogus_directive"/);
      await expect(startNginx({ config: 'events {}\n' })).rejects.toThrow(/needs a `listen <port>` line/);
      expect(nginxTest('events {}\nhttp { nope; }\n')).toEqual({ ok: false, output: expect.stringContaining('unknown directive "nope"') });
      expect(fs.readdirSync(privateTmp)).toEqual([]);
    } finally {
      if (savedTmp === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = savedTmp;
      fs.rmSync(privateTmp, { recursive: true, force: true });
    }
  });

  it('kills master and workers when a test process exits without stop()', () => {
    // A separate process starts NGINX and exits at once: only the harness's exit hook can clean up.
    const script = path.join(os.tmpdir(), `harness-exit-${process.pid}.ts`);
    const support = path.resolve(__dirname, '../../testing/nginx');
    const constructs = path.resolve(__dirname, '../../constructs/nginx');
    fs.writeFileSync(
      script,
      `import { startNginx } from ${JSON.stringify(support)};
import { NginxBackend, renderNginxConfig } from ${JSON.stringify(constructs)};
startNginx({ config: (l) => renderNginxConfig({ ...l.testProps, backend: NginxBackend.staticFiles({ root: l.htmlDir }), trustedProxies: [] }) })
  .then((n) => { console.log(JSON.stringify({ pid: n.pid, dir: n.dir })); process.exit(0); });
`,
    );
    let dir = '';
    try {
      const tsx = path.resolve(__dirname, '../../node_modules/.bin/tsx');
      const output = execFileSync(tsx, [script], { encoding: 'utf8', timeout: 30_000 });
      ({ dir } = JSON.parse(output.trim().split('\n').at(-1)!) as { pid: number; dir: string });
      expect(dir).not.toBe('');
      // Master and workers hold the instance's log files open; none may remain.
      expect(processesWithFilesIn(dir)).toEqual([]);
      expect(fs.existsSync(dir)).toBe(false);
    } finally {
      fs.rmSync(script, { force: true });
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    }
  }, 30_000);
});

function processesWithFilesIn(dir: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        return fs.readdirSync(`/proc/${entry}/fd`).some((fd) => fs.readlinkSync(`/proc/${entry}/fd/${fd}`).startsWith(`${dir}/`));
      } catch {
        return false; // gone, or not ours to inspect
      }
    })
    .map(Number);
}
