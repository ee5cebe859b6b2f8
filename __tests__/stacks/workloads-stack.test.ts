import { CLOUDFLARE_RANGES } from '../../facts/cloudflare-ips';
import { GOOGLE_FRONT_END_RANGES, GOOGLE_HEALTH_CHECK_RANGES } from '../../facts/google-ranges';
import { imageReference } from '../../constructs/kubernetes';
import { NGINX_HEALTH_PATH, NGINX_PORT, NginxBackend, POD_LAYOUT, READINESS_PATH, nginxArgs, nginxQuitArgs, renderNginxConfig } from '../../constructs/nginx';
import { negName, WORKLOADS_NAMESPACE } from '../../config/naming';
import { API_BODY_LIMIT_KIB, MONGODB_SECRET_DIR, MONGODB_SECRET_KEY } from '../../workloads/api';
import { METRICS_PORT, METRICS_PORT_NAME, NEG_DETACH_SECONDS, NODE_SERVICE_ENTRY } from '../../workloads';
import { FRONTEND_SPA_FALLBACK, NON_PUBLIC_IPV4, PAGES_DIR, PAGES_KEY } from '../../workloads/frontend';
import { dataSources, environment, onlyResource, resources, synthEnvironment, type TfJson } from '../support/topology';
import { ENV_REGIONS, named, nginxConfigOf, quantity, restrictedViolations, WORKLOAD_NAMES, workload, workloadsStackName, type WorkloadName } from '../workloads/support';

/** A Terraform reference to an output of another stack: `${data.terraform_remote_state.<input for stack>.outputs.<...>}`. */
const remoteOutput = (stack: string, attribute: string) =>
  new RegExp(`\\$\\{data\\.terraform_remote_state\\.cross-stack-reference-input-${stack}\\.outputs\\.cross-stack-output-[^}]*${attribute}\\}`);

/** The load balancer address, as Terraform interpolates it into the NGINX config. */
const LB_ADDRESS_REF = /\$\{data\.terraform_remote_state\.cross-stack-reference-input-isoscribe-[a-z]+-core\.outputs\.cross-stack-output-google_compute_global_address[^}]*address\}/g;

describe.each(ENV_REGIONS)('%s workloads in %s', (envName, regionName) => {
  const env = environment(envName);
  const synth = synthEnvironment(env);
  const name = workloadsStackName(envName, regionName);
  const stack = synth.json[name];
  const core = `isoscribe-${envName}-core`;
  const cluster = `isoscribe-${envName}-cluster-${regionName}`;

  describe('providers', () => {
    it("configures Kubernetes from the cluster stack DNS endpoint (publicly trusted certificate: no CA), authenticated by GKE's exec plugin", () => {
      const [k8s] = stack.provider.kubernetes;
      expect(k8s.host).toMatch(new RegExp(`^https://${remoteOutput(cluster, 'control_plane_endpoints_config0dns_endpoint_config0endpoint').source}$`));
      expect(k8s).not.toHaveProperty('cluster_ca_certificate');
      expect(k8s.exec).toEqual([{ api_version: 'client.authentication.k8s.io/v1beta1', command: 'gke-gcloud-auth-plugin' }]);
      expect(Object.keys(k8s).sort()).toEqual(['exec', 'host']);
    });

    it('reads no access token: no provider carries one and no data source reads one, so none reaches state (issue 13)', () => {
      for (const [type, configs] of Object.entries<TfJson[]>(stack.provider)) {
        for (const config of configs) expect([type, Object.keys(config).filter((k) => /token|password|credentials|client_key/.test(k))]).toEqual([type, []]);
      }
      expect(Object.keys(stack.data ?? {})).toEqual(['terraform_remote_state']);
    });

    it('never passes an access token between stacks', () => {
      for (const json of Object.values(synth.json)) {
        expect(JSON.stringify(json.output ?? {})).not.toMatch(/access_token/);
      }
    });

    it('has a Google provider for the project and region, and depends on core and the cluster', () => {
      expect(stack.provider.google[0]).toMatchObject({ project: env.project.id, region: regionName });
      expect(synth.manifest.stacks[name].dependencies).toEqual(expect.arrayContaining([core, cluster]));
    });
  });

  describe('namespace', () => {
    it('enforces, audits and warns on the restricted Pod Security Standard', () => {
      const ns = onlyResource(stack, 'kubernetes_namespace_v1');
      expect(ns.metadata.name).toBe(WORKLOADS_NAMESPACE);
      expect(ns.metadata.name).not.toBe('default');
      for (const mode of ['enforce', 'audit', 'warn']) {
        expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}`]).toBe('restricted');
        expect(ns.metadata.labels[`pod-security.kubernetes.io/${mode}-version`]).toBeTruthy();
      }
    });

    it('denies all ingress and egress by default', () => {
      const deny = named(stack, 'kubernetes_network_policy_v1', 'default-deny-all');
      expect(deny.spec.pod_selector).toEqual({});
      expect(deny.spec.policy_types).toEqual(['Ingress', 'Egress']);
      expect(deny.spec.ingress ?? []).toEqual([]);
      expect(deny.spec.egress ?? []).toEqual([]);
    });

    it('puts every namespaced resource in the workloads namespace', () => {
      const nsRef = /^\$\{kubernetes_namespace_v1\.[^}]+\.metadata\[0\]\.name\}$/;
      for (const [type, byId] of Object.entries<Record<string, TfJson>>(stack.resource)) {
        if (!type.startsWith('kubernetes_') || type === 'kubernetes_namespace_v1') continue;
        for (const body of Object.values(byId)) {
          const { metadata } = type === 'kubernetes_manifest' ? body.manifest : body;
          // A reference orders creation after the namespace; a literal name must say so with depends_on.
          if (metadata.namespace === WORKLOADS_NAMESPACE) expect(body.depends_on.join()).toMatch(/kubernetes_namespace_v1\./);
          else expect(metadata.namespace).toMatch(nsRef);
        }
      }
    });
  });

  describe.each(WORKLOAD_NAMES.map((w) => [w]))('%s', (w: WorkloadName) => {
    const { deployment, pod, nginx, app } = workload(stack, w);
    const config = env.workloads[w];
    const nginxConfig = nginxConfigOf(stack, w);
    const labels = deployment.spec.selector.match_labels;

    it('runs as its own Kubernetes service account, bound to a Google service account from core only when it calls Google itself (frontend: the bucket)', () => {
      const ksa = named(stack, 'kubernetes_service_account_v1', w);
      if (w === 'api') {
        // Its only Google access is the secret, read by the add-on as this account's principal.
        expect(ksa.metadata.annotations).toBeUndefined();
      } else {
        expect(ksa.metadata.annotations['iam.gke.io/gcp-service-account']).toMatch(remoteOutput(core, 'email'));
        expect(ksa.metadata.annotations['iam.gke.io/gcp-service-account']).toMatch(new RegExp(`${w}-sa`));
      }
      expect(ksa.automount_service_account_token).toBe(false);
      expect(pod.service_account_name).toBe(`\${kubernetes_service_account_v1.${ksa.__id}.metadata[0].name}`);
      expect(pod.automount_service_account_token).toBe(false);
    });

    it('passes every check of the restricted profile, with read-only root filesystems', () => {
      expect(restrictedViolations(pod)).toEqual([]);
      expect(pod.security_context).toMatchObject({ run_as_non_root: true, seccomp_profile: { type: 'RuntimeDefault' } });
      expect(pod.security_context.fs_group).toBeDefined();
      for (const c of pod.container) {
        expect(c.security_context).toMatchObject({
          run_as_non_root: true,
          read_only_root_filesystem: true,
          allow_privilege_escalation: false,
          capabilities: { drop: ['ALL'] },
          seccomp_profile: { type: 'RuntimeDefault' },
        });
        expect(Number(c.security_context.run_as_user)).toBeGreaterThan(0);
        expect(Number(c.security_context.run_as_group)).toBeGreaterThan(0);
      }
    });

    it('pins both images as configured', () => {
      expect(nginx.image).toBe(imageReference(env.nginxImage));
      expect(app.image).toBe(imageReference(config.image));
      for (const c of pod.container) expect(c.image).toMatch(/^[^:@]+(:[\w][\w.-]*)(@sha256:[a-f0-9]{64})?$/);
      for (const c of pod.container) expect(c.image).not.toMatch(/:latest(@|$)/);
    });

    it('runs NGINX on the rendered config from the ConfigMap, listening on the Service port', () => {
      expect(nginx.command).toEqual(['nginx']);
      expect(nginx.args).toEqual(nginxArgs());
      expect(nginx.port).toEqual([{ name: 'http', container_port: NGINX_PORT, protocol: 'TCP' }]);
      const configVolume = pod.volume.find((v: TfJson) => v.config_map);
      expect(configVolume.config_map.name).toMatch(/^\$\{kubernetes_config_map_v1\.[^}]+\.metadata\[0\]\.name\}$/);
      expect(nginx.volume_mount).toContainEqual({ name: configVolume.name, mount_path: POD_LAYOUT.nginxConfigDir, read_only: true });
      expect(nginxConfig).toMatch(new RegExp(`^\\s*listen ${NGINX_PORT} default_server;`, 'm'));
    });

    it('gives NGINX and the app writable emptyDirs only where they write', () => {
      const emptyDirs = pod.volume.filter((v: TfJson) => v.empty_dir).map((v: TfJson) => v.name);
      const tmp = nginx.volume_mount.find((m: TfJson) => m.mount_path === POD_LAYOUT.tmpDir);
      expect(emptyDirs).toContain(tmp.name);
      expect(tmp.read_only).toBeUndefined();
      const sharedDir = w === 'api' ? POD_LAYOUT.socketDir : POD_LAYOUT.htmlDir;
      const nginxShared = nginx.volume_mount.find((m: TfJson) => m.mount_path === sharedDir);
      const appShared = app.volume_mount.find((m: TfJson) => m.mount_path === sharedDir);
      expect(emptyDirs).toContain(nginxShared.name);
      expect(appShared.name).toBe(nginxShared.name);
      expect(nginxShared.read_only).toBe(true);
      expect(appShared.read_only).toBeUndefined();
      for (const v of pod.volume.filter((x: TfJson) => x.empty_dir)) expect(v.empty_dir.size_limit).toBeDefined();
    });

    it('sets requests and limits: the app from config, NGINX small and fixed', () => {
      expect(app.resources.requests).toEqual(config.resources.requests);
      expect(app.resources.limits.memory).toBe(config.resources.limits.memory);
      for (const c of pod.container) {
        expect(c.resources.requests.cpu).toBeDefined();
        expect(quantity(c.resources.limits.memory)).toBeGreaterThanOrEqual(quantity(c.resources.requests.memory));
      }
      expect(quantity(nginx.resources.requests.cpu)).toBeLessThanOrEqual(0.1);
      expect(quantity(nginx.resources.limits.memory)).toBeLessThanOrEqual(256 * 1024 ** 2);
    });

    it('probes NGINX for liveness and the whole path through NGINX for readiness', () => {
      expect(nginx.liveness_probe.http_get).toEqual({ path: NGINX_HEALTH_PATH, port: 'http' });
      expect(nginx.readiness_probe.http_get).toEqual({ path: READINESS_PATH, port: 'http' });
      expect(nginxConfig).toContain(`location = ${NGINX_HEALTH_PATH}`);
      expect(nginxConfig).toContain(`location = ${READINESS_PATH}`);
      if (w === 'api') {
        // The app has no TCP port; its liveness probe talks to the unix socket (run for real in probes.test.ts).
        expect(app.liveness_probe.exec.command.join(' ')).toContain('/healthz');
        expect(app.liveness_probe.exec.command.join(' ')).toContain(`${POD_LAYOUT.socketDir}/${POD_LAYOUT.socketFile}`);
      }
    });

    it('rolls the pods when the NGINX config changes (Terraform hashes the ConfigMap data)', () => {
      const cm = named(stack, 'kubernetes_config_map_v1', `${w}-nginx`);
      expect(deployment.spec.template.metadata.annotations['checksum/nginx-config']).toBe(
        `\${sha256(kubernetes_config_map_v1.${cm.__id}.data["nginx.conf"])}`,
      );
    });

    it('scales between the configured bounds on CPU, starting from the configured replicas', () => {
      expect(deployment.spec.replicas).toBe(String(config.replicas));
      expect(deployment.lifecycle.ignore_changes).toContain('spec[0].replicas');
      const hpa = named(stack, 'kubernetes_horizontal_pod_autoscaler_v2', w);
      expect(hpa.spec.min_replicas).toBe(config.autoscaling.minReplicas);
      expect(hpa.spec.max_replicas).toBe(config.autoscaling.maxReplicas);
      expect(hpa.spec.scale_target_ref).toEqual({ api_version: 'apps/v1', kind: 'Deployment', name: `\${kubernetes_deployment_v1.${deployment.__id}.metadata[0].name}` });
      expect(hpa.spec.metric).toEqual([
        { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', average_utilization: config.autoscaling.targetCpuUtilization } } },
      ]);
    });

    it('stays available: PDB, zone and node spread, rolling updates that never drop below desired', () => {
      const pdb = named(stack, 'kubernetes_pod_disruption_budget_v1', w);
      expect(pdb.spec.max_unavailable).toBe('1');
      expect(pdb.spec.selector.match_labels).toEqual(labels);
      const spread = pod.topology_spread_constraint;
      expect(spread.map((s: TfJson) => s.topology_key)).toEqual(['topology.kubernetes.io/zone', 'kubernetes.io/hostname']);
      for (const s of spread) {
        expect(s.max_skew).toBe(1);
        expect(s.label_selector).toEqual([{ match_labels: labels }]);
        // A failed zone's nodes are tainted unreachable: Honor drops them from the skew, or DoNotSchedule leaves pods Pending.
        expect(s.node_taints_policy).toBe('Honor');
        expect(s.node_affinity_policy).toBe('Honor');
      }
      expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rolling_update: { max_unavailable: '0', max_surge: '25%' } });
    });

    it('drains before NGINX quits, and the grace period outlasts drain plus graceful stop', () => {
      const [command] = nginx.lifecycle.pre_stop;
      const script = command.exec.command[2];
      const drain = Number(/sleep (\d+);/.exec(script)![1]);
      expect(drain).toBeGreaterThan(0);
      expect(script).toContain(['nginx', ...nginxQuitArgs()].map((a) => `'${a}'`).join(' '));
      // The LB keeps sending until the NEG detach lands, then finishes in-flight requests for its connection draining.
      expect(drain).toBe(NEG_DETACH_SECONDS + env.ingress.connectionDrainingTimeoutSec);
      expect(drain).toBeGreaterThanOrEqual(env.ingress.connectionDrainingTimeoutSec + 10);
      const workerShutdown = Number(/worker_shutdown_timeout (\d+)s;/.exec(nginxConfig)![1]);
      expect(pod.termination_grace_period_seconds).toBeGreaterThan(drain + workerShutdown);
      if (w === 'api') {
        // The app must keep serving while NGINX drains, and finish its own shutdown in the grace period.
        expect(app.lifecycle.pre_stop[0].exec.command.join(' ')).toContain(`${drain * 1000}`);
        const shutdownMs = Number(app.env.find((e: TfJson) => e.name === 'SHUTDOWN_TIMEOUT_MS').value);
        expect(pod.termination_grace_period_seconds).toBeGreaterThan(drain + shutdownMs / 1000);
      }
    });

    it('is exposed by a ClusterIP Service on 8080 with a deterministic NEG name', () => {
      const svc = named(stack, 'kubernetes_service_v1', w);
      expect(svc.spec.type).toBe('ClusterIP');
      expect(svc.spec.selector).toEqual(labels);
      expect(svc.spec.port).toEqual([{ name: 'http', port: NGINX_PORT, target_port: 'http', protocol: 'TCP' }]);
      expect(JSON.parse(svc.metadata.annotations['cloud.google.com/neg'])).toEqual({ exposed_ports: { [NGINX_PORT]: { name: negName(env, w) } } });
    });

    it('accepts traffic only from Google front ends and health checkers on 8080, and Managed Prometheus\'s collectors on the metrics port', () => {
      const policy = named(stack, 'kubernetes_network_policy_v1', w);
      expect(policy.spec.pod_selector.match_labels).toEqual(labels);
      expect(policy.spec.ingress).toHaveLength(2);
      const [rule, scrape] = policy.spec.ingress;
      const cidrs = rule.from.map((f: TfJson) => f.ip_block.cidr).sort();
      expect(cidrs).toEqual([...new Set([...GOOGLE_FRONT_END_RANGES, ...GOOGLE_HEALTH_CHECK_RANGES])].sort());
      expect(rule.ports).toEqual([{ port: String(NGINX_PORT), protocol: 'TCP' }]);
      // prometheus-engine's collector DaemonSet (manifests/operator.yaml): namespace gmp-system, label app.kubernetes.io/name=collector.
      expect(scrape).toEqual({
        from: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'gmp-system' } }, pod_selector: { match_labels: { 'app.kubernetes.io/name': 'collector' } } }],
        ports: [{ port: String(METRICS_PORT), protocol: 'TCP' }],
      });
    });

    it('is scraped by a PodMonitoring of its own, on the app container\'s named metrics port', () => {
      const monitoring = resources(stack, 'kubernetes_manifest').find((m) => m.manifest.kind === 'PodMonitoring' && m.manifest.metadata.name === w)!;
      expect(monitoring.manifest.apiVersion).toBe('monitoring.googleapis.com/v1');
      expect(monitoring.manifest.spec).toEqual({
        selector: { matchLabels: labels },
        endpoints: [{ port: METRICS_PORT_NAME, path: '/metrics', interval: '30s' }],
      });
      const app = workload(stack, w).app;
      expect(app.port).toEqual([{ name: METRICS_PORT_NAME, container_port: METRICS_PORT, protocol: 'TCP' }]);
      expect(app.env).toEqual(expect.arrayContaining([{ name: 'METRICS_PORT', value: String(METRICS_PORT) }, { name: 'METRICS_HOST', value: '0.0.0.0' }]));
      // The Service (and so the NEG the load balancer uses) carries NGINX's port only.
      expect(named(stack, 'kubernetes_service_v1', w).spec.port.map((p: TfJson) => p.port)).toEqual([NGINX_PORT]);
    });

    it('reaches in-cluster pods only as the definition says: the api its region\'s search engine on 9200, nothing else', () => {
      const policy = named(stack, 'kubernetes_network_policy_v1', w);
      const inCluster = policy.spec.egress.filter((e: TfJson) => e.to.some((t: TfJson) => t.namespace_selector?.match_labels?.['kubernetes.io/metadata.name'] !== 'kube-system' && t.namespace_selector));
      expect(inCluster).toEqual(w === 'api'
        ? [{ to: [{ namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'search' } }, pod_selector: { match_labels: { 'opster.io/opensearch-cluster': 'search' } } }], ports: [{ port: '9200', protocol: 'TCP' }] }]
        : []);
    });

    it('may reach the cluster DNS on 53/UDP and 53/TCP only: the node\'s NodeLocal DNSCache (its pods or its link-local address) or kube-dns', () => {
      const policy = named(stack, 'kubernetes_network_policy_v1', w);
      const dns = policy.spec.egress.filter((e: TfJson) => e.to.some((t: TfJson) => t.namespace_selector?.match_labels?.['kubernetes.io/metadata.name'] === 'kube-system' || t.ip_block?.cidr === '169.254.20.10/32'));
      const kubeSystem = { namespace_selector: { match_labels: { 'kubernetes.io/metadata.name': 'kube-system' } } };
      expect(dns).toEqual([
        {
          to: [
            { ...kubeSystem, pod_selector: { match_labels: { 'k8s-app': 'kube-dns' } } },
            { ...kubeSystem, pod_selector: { match_labels: { 'k8s-app': 'node-local-dns' } } },
            { ip_block: { cidr: '169.254.20.10/32' } },
          ],
          ports: [
            { port: '53', protocol: 'UDP' },
            { port: '53', protocol: 'TCP' },
          ],
        },
      ]);
    });

    it('trusts exactly Google front ends, the LB address and Cloudflare for the client IP, and is renderNginxConfig output', () => {
      const trusted = [...nginxConfig.matchAll(/set_real_ip_from (\S+);/g)].map((m) => m[1]);
      expect(trusted.filter((t) => LB_ADDRESS_REF.test(t))).toHaveLength(1);
      expect(trusted.filter((t) => !t.startsWith('${')).sort()).toEqual([...GOOGLE_FRONT_END_RANGES, ...CLOUDFLARE_RANGES].sort());
      expect(nginxConfig).toContain('real_ip_recursive on;');
      // Terraform interpolates only the LB address; nothing else in the text may look like a template.
      expect(nginxConfig.replace(LB_ADDRESS_REF, '')).not.toMatch(/[$%]\{/);

      const testIp = '192.0.2.10';
      const backend =
        w === 'api'
          ? NginxBackend.unixSocket({ socketPath: `${POD_LAYOUT.socketDir}/${POD_LAYOUT.socketFile}`, readinessPath: '/readyz' })
          : NginxBackend.staticFiles({ root: POD_LAYOUT.htmlDir, spaFallback: FRONTEND_SPA_FALLBACK });
      const expected = renderNginxConfig({
        backend,
        trustedProxies: [...GOOGLE_FRONT_END_RANGES, testIp, ...CLOUDFLARE_RANGES],
        listenPort: NGINX_PORT,
        ...(w === 'api' ? { clientMaxBodySize: `${API_BODY_LIMIT_KIB}k` } : {}),
      });
      expect(nginxConfig.replace(LB_ADDRESS_REF, testIp)).toBe(expected);
    });
  });

  describe('api', () => {
    const { pod, app } = workload(stack, 'api');
    const env_ = Object.fromEntries(app.env.map((e: TfJson) => [e.name, e.value]));

    it('may reach MongoDB over public TLS (its port on public addresses, never private ones) besides DNS, and nothing else', () => {
      const policy = named(stack, 'kubernetes_network_policy_v1', 'api');
      expect(policy.spec.policy_types).toEqual(['Ingress', 'Egress']);
      const other = policy.spec.egress.filter((e: TfJson) => !e.to.some((t: TfJson) => t.namespace_selector));
      expect(env.mongodb.reach.kind).toBe('publicTls');
      expect(other).toEqual([{ to: [{ ip_block: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } }], ports: [{ port: String(env.mongodb.reach.port), protocol: 'TCP' }] }]);
    });

    it("runs node with a 128 MiB floor under V8's old-generation limit (the container's args, since NODE_OPTIONS may not carry it), then the image's entry", () => {
      expect(app.args).toEqual(['--initial-old-space-size=128', NODE_SERVICE_ENTRY]);
      // The floor lets the heap grow to it before a full collection: it must fit the container's
      // memory request with room for the young generation (two semi-spaces) and the rest of node.
      const floorMiB = Number(/^--initial-old-space-size=(\d+)$/.exec(app.args[0])![1]);
      const semiSpaceMiB = Number(/--max-semi-space-size=(\d+)/.exec(env_.NODE_OPTIONS)![1]);
      expect(quantity(app.resources.requests.memory)).toBeGreaterThanOrEqual((floorMiB + 2 * semiSpaceMiB + 128) * 2 ** 20);
    });

    it('mounts the MongoDB connection string from Secret Manager through the CSI driver: Terraform never reads it', () => {
      expect(dataSources(stack, 'google_secret_manager_secret_version')).toEqual([]);
      expect(resources(stack, 'kubernetes_secret_v1')).toEqual([]);
      const providerClass = resources(stack, 'kubernetes_manifest').find((m) => m.manifest.metadata.name === 'api-mongodb')!;
      // The Secrets Store CSI driver's group, which GKE's add-on serves (upstream-crds.test.ts checks it against the driver's CRD).
      expect(providerClass.manifest).toMatchObject({ apiVersion: 'secrets-store.csi.x-k8s.io/v1', kind: 'SecretProviderClass', spec: { provider: 'gke' } });
      // The latest version of core's secret, as the file MONGODB_URI_FILE names.
      expect(providerClass.manifest.spec.parameters.secrets).toMatch(
        new RegExp(`^- resourceName: "${remoteOutput(core, 'mongodb-uriid').source}/versions/latest"\\n  path: "${MONGODB_SECRET_KEY}"\\n$`),
      );
      const volume = pod.volume.find((v: TfJson) => v.csi);
      expect(volume.csi).toEqual({ driver: 'secrets-store-gke.csi.k8s.io', read_only: true, volume_attributes: { secretProviderClass: 'api-mongodb' } });
      expect(app.volume_mount).toContainEqual({ name: volume.name, mount_path: MONGODB_SECRET_DIR, read_only: true });
      expect(env_.MONGODB_URI_FILE).toBe(`${MONGODB_SECRET_DIR}/${MONGODB_SECRET_KEY}`);
      expect(env_.MONGODB_URI).toBeUndefined();
    });

    it("marks each write pending for every region's search engine and feeds its own region's (SEARCH_REGION, SEARCH_REGIONS from config)", () => {
      expect(env_.SEARCH_REGION).toBe(regionName);
      expect(env_.SEARCH_REGIONS!.split(',')).toEqual(env.regions.map((r) => r.name));
      // One search stack per region: each name in SEARCH_REGIONS has an engine to feed.
      for (const r of env.regions) expect(synth.json[`isoscribe-${envName}-search-${r.name}`]).toBeDefined();
    });

    it('listens on the socket NGINX proxies to, with the body limit NGINX enforces', () => {
      const nginxConfig = nginxConfigOf(stack, 'api');
      expect(nginxConfig).toContain(`server unix:${env_.LISTEN_SOCKET};`);
      const [, size] = /client_max_body_size (\d+)k;/.exec(nginxConfig)!;
      expect(Number(env_.BODY_LIMIT_BYTES)).toBe(Number(size) * 1024);
    });
  });

  describe('frontend', () => {
    const { app } = workload(stack, 'frontend');
    const env_ = Object.fromEntries(app.env.map((e: TfJson) => [e.name, e.value]));

    it("runs the image's own CMD (no node flags)", () => {
      expect(app).not.toHaveProperty('args');
    });

    it('may reach public addresses on 443 (the bundle bucket) and the GKE metadata server (its identity) besides DNS, never private ones', () => {
      const policy = named(stack, 'kubernetes_network_policy_v1', 'frontend');
      const other = policy.spec.egress.filter((e: TfJson) => !e.to.some((t: TfJson) => t.namespace_selector));
      expect(other).toEqual([
        { to: [{ ip_block: { cidr: '0.0.0.0/0', except: NON_PUBLIC_IPV4 } }], ports: [{ port: '443', protocol: 'TCP' }] },
        {
          to: [{ ip_block: { cidr: '169.254.169.254/32' } }, { ip_block: { cidr: '169.254.169.252/32' } }],
          ports: [{ port: '80', protocol: 'TCP' }, { port: '988', protocol: 'TCP' }],
        },
      ]);
      for (const blocked of ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '169.254.0.0/16']) expect(NON_PUBLIC_IPV4).toContain(blocked);
    });

    it('fetches the manifest from the bundle bucket over HTTPS with its own identity and writes into the dir NGINX serves', () => {
      expect(env_.MANIFEST_URL).toMatch(new RegExp(`^https://storage\\.googleapis\\.com/${remoteOutput(core, 'name').source}/`));
      // Core grants the frontend's account objectViewer on the bucket; the public read comes later, with ingress.
      expect(env_.MANIFEST_AUTH).toBe('metadata');
      expect(env_.OUTPUT_DIR).toBe(POD_LAYOUT.htmlDir);
      expect(nginxConfigOf(stack, 'frontend')).toContain(`root ${POD_LAYOUT.htmlDir};`);
      expect(env_.PAGES_FILE).toBe(`${PAGES_DIR}/${PAGES_KEY}`);
      const pages = named(stack, 'kubernetes_config_map_v1', 'frontend-pages');
      expect(Object.keys(pages.data)).toEqual([PAGES_KEY]);
    });
  });
});

describe.each(['dev', 'staging', 'production'])('%s Workload Identity bindings', (envName) => {
  const env = environment(envName);
  const { json } = synthEnvironment(env);
  const bindings = env.regions.flatMap((r) => resources(json[workloadsStackName(envName, r.name)], 'google_service_account_iam_member'));

  it('grant workloadIdentityUser once per workload with a Google account (the frontend) for the whole environment (the member names no cluster)', () => {
    expect(bindings.map((b) => b.member).sort()).toEqual([`serviceAccount:${env.project.id}.svc.id.goog[${WORKLOADS_NAMESPACE}/frontend]`]);
    for (const b of bindings) {
      expect(b.role).toBe('roles/iam.workloadIdentityUser');
      expect(b.service_account_id).toMatch(remoteOutput(`isoscribe-${envName}-core`, 'name'));
    }
    expect(resources(json[workloadsStackName(envName, env.primaryRegion)], 'google_service_account_iam_member')).toHaveLength(1);
  });
});

describe('drain follows the load balancer', () => {
  it('a longer connectionDrainingTimeoutSec lengthens both preStop hooks and the grace period (one fact drives both)', () => {
    const env = environment('dev', (input) => ({ ...input, ingress: { ...input.ingress, connectionDrainingTimeoutSec: 60 } }));
    const stack = synthEnvironment(env).json[workloadsStackName('dev', env.primaryRegion)];
    for (const w of WORKLOAD_NAMES) {
      const pod = named(stack, 'kubernetes_deployment_v1', w).spec.template.spec;
      const nginx = pod.container.find((c: TfJson) => c.name === 'nginx');
      expect(nginx.lifecycle.pre_stop[0].exec.command[2]).toMatch(new RegExp(`^sleep ${NEG_DETACH_SECONDS + 60};`));
      expect(pod.termination_grace_period_seconds).toBeGreaterThan(NEG_DETACH_SECONDS + 60);
    }
  });
});

describe('api egress with MongoDB over Private Service Connect', () => {
  const env = environment('dev', (e) => ({ ...e, mongodb: { reach: { kind: 'privateServiceConnect', endpointIp: '10.10.255.10', port: 27018 } } }));
  const stack = synthEnvironment(env).json[workloadsStackName('dev', env.regions[0].name)];

  it('may reach only the endpoint address on its port besides DNS', () => {
    const policy = named(stack, 'kubernetes_network_policy_v1', 'api');
    const other = policy.spec.egress.filter((e: TfJson) => !e.to.some((t: TfJson) => t.namespace_selector));
    expect(other).toEqual([{ to: [{ ip_block: { cidr: '10.10.255.10/32' } }], ports: [{ port: '27018', protocol: 'TCP' }] }]);
  });
});
