// Stock kubectl releases (1.27, 1.30, 1.32, 1.33: old OpenAPI v2 readers, protobuf writers) run
// every kubectl command of the vendor how-to against bare simulated clusters, for Calico Enterprise
// 3.24 and 3.22 names, plus explain, --validate=strict, server dry-run, wait, diff, auth can-i,
// create token --duration and get events. Each release drives its own pair of clusters of one
// shared simulator per Enterprise version, all releases at once. The 3.22 names are driven by the
// oldest release only: the commands are the same, only the names move.
import {execFile} from 'node:child_process';
import {existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import yaml from 'js-yaml';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {enterpriseNames} from '../../source/sim/names.js';
import {startTestFleet, type TestFleet} from '../helpers/fleet.js';

const kubectlDir = '/usr/lib/google-cloud-sdk/bin';
// KUBECTL_RELEASES=1.28,1.29,1.31 runs other releases by hand.
const releases = process.env.KUBECTL_RELEASES?.split(',').map((r) => r.trim()).filter(Boolean) ?? ['1.27', '1.30', '1.32', '1.33'];
const present = releases.filter((v) => existsSync(join(kubectlDir, `kubectl.${v}`)));
for (const v of releases.filter((r) => !present.includes(r))) console.warn(`SKIPPED: kubectl ${v} conformance: ${kubectlDir}/kubectl.${v} is not installed on this machine`);

const repo = new URL('../../', import.meta.url).pathname;
const manifest = (file: string) => join(repo, 'demo', 'manifests', file);

type Result = {code: number; stdout: string; stderr: string};

/** One kubectl release against one simulator: its own discovery cache, any context of the kubeconfig. */
function kubectlFor(release: string, fleet: TestFleet) {
	const cache = mkdtempSync(join(tmpdir(), `kubectl-${release}-`));
	const run = (context: string, args: string[], stdin?: string): Promise<Result> => new Promise((resolve) => {
		const child = execFile(join(kubectlDir, `kubectl.${release}`), [`--kubeconfig=${fleet.kubeconfigPath}`, `--context=${context}`, `--cache-dir=${cache}`, '--request-timeout=20s', ...args], {
			timeout: 40_000, cwd: fleet.dir, env: {...process.env, KUBECONFIG: '', HOME: cache},
		}, (error, stdout, stderr) => resolve({code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr}));
		child.stdin?.end(stdin ?? '');
	});
	const ok = async (context: string, args: string[], stdin?: string): Promise<string> => {
		const r = await run(context, args, stdin);
		expect(r.code, `kubectl ${release} ${args.join(' ')}: ${r.stderr}`).toBe(0);
		return r.stdout;
	};
	/** `watch kubectl get tigerastatus` as a person reads it: until the components are Available. */
	const untilAvailable = async (context: string, components: string[] | 'all') => {
		const deadline = Date.now() + 30_000;
		let last = '';
		while (Date.now() < deadline) {
			last = await ok(context, ['get', 'tigerastatus']);
			const rows = last.trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
			const available = new Set(rows.filter((r) => r[1] === 'True').map((r) => r[0]));
			const wanted = components === 'all' ? rows.map((r) => r[0]) : components;
			if (wanted.length > 0 && wanted.every((c) => available.has(c))) return last;
			await new Promise((r) => setTimeout(r, 250));
		}
		throw new Error(`kubectl ${release}: ${JSON.stringify(components)} not Available on ${context} after 30 s:\n${last}`);
	};
	return {run, ok, untilAvailable, cleanup: () => rmSync(cache, {recursive: true, force: true})};
}

/** The how-to's service to expose the management cluster, with the version's manager names. */
function mcmService(version: string): string {
	const names = enterpriseNames(version);
	return yaml.dump({
		apiVersion: 'v1', kind: 'Service',
		metadata: {name: names.mcmService, namespace: names.managerNamespace},
		spec: {ports: [{nodePort: 30449, port: 9449, protocol: 'TCP', targetPort: 9449}], selector: names.managerSelector, type: 'NodePort'},
	});
}

/** custom-resources.yaml without Manager and LogStorage, as the how-to has a managed cluster's made. */
function managedCustomResources(dir: string): string {
	const docs = yaml.loadAll(readFileSync(manifest('custom-resources.yaml'), 'utf8')) as Array<{kind: string}>;
	const file = join(dir, 'custom-resources-managed.yaml');
	writeFileSync(file, docs.filter((d) => d && d.kind !== 'Manager' && d.kind !== 'LogStorage').map((d) => yaml.dump(d)).join('---\n'));
	return file;
}

const storageClass = 'apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: tigera-elasticsearch\nprovisioner: kubernetes.io/no-provisioner\nvolumeBindingMode: WaitForFirstConsumer\nreclaimPolicy: Retain\nallowVolumeExpansion: true\n';

const jwtClaims = (token: string) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as {exp: number; iat: number};

for (const enterprise of ['3.24', '3.22']) {
	const drivers = enterprise === '3.24' ? present : present.slice(0, 1);
	const extras = enterprise === '3.24';
	describe.skipIf(present.length === 0).concurrent(`stock kubectl through the how-to (Calico Enterprise ${enterprise} names)`, () => {
		let fleet: TestFleet;

		beforeAll(async () => {
			fleet = await startTestFleet({managed: 0, standalone: 0, bare: 2 * drivers.length, enterpriseVersion: enterprise});
		});

		afterAll(async () => {
			await fleet?.stop();
		});

		drivers.forEach((release, i) => {
			it(`kubectl ${release}`, async () => {
				const mgmt = `bare-${2 * i + 1}`;
				const managed = `bare-${2 * i + 2}`;
				const managedName = `app-${release.replace('.', '-')}`;
				const k = kubectlFor(release, fleet);
				try {
					// Install Calico Enterprise on the management cluster, then on the one to be managed.
					for (const [context, customResources] of [[mgmt, manifest('custom-resources.yaml')], [managed, managedCustomResources(fleet.dir)]] as const) {
						// "Configure storage for Calico Enterprise" (log storage waits for this class).
						if (context === mgmt) expect(await k.ok(context, ['create', '-f', '-'], storageClass)).toContain('storageclass.storage.k8s.io/tigera-elasticsearch created');
						await k.ok(context, ['create', '-f', manifest('tigera-operator.yaml')]);
						await k.ok(context, ['create', '-f', manifest('tigera-prometheus-operator.yaml')]);
						expect(await k.ok(context, ['create', 'secret', 'generic', 'tigera-pull-secret', `--from-file=.dockerconfigjson=${join(repo, 'demo', 'pull-secret.json')}`,
							'--type=kubernetes.io/dockerconfigjson', '-n', 'tigera-operator'])).toContain('secret/tigera-pull-secret created');
						await k.ok(context, ['create', '-f', customResources]);
						await k.untilAvailable(context, ['apiserver']);
						if (context === managed) break;
						await k.ok(context, ['create', '-f', join(repo, 'demo', 'license.yaml')]);
						await k.untilAvailable(context, 'all');
						await k.ok(context, ['create', '-f', manifest('tigera-policies.yaml')]);
					}

					// Turn it into a management cluster.
					expect(await k.ok(mgmt, ['create', '-f', '-'], mcmService(enterprise))).toContain(`service/${enterpriseNames(enterprise).mcmService} created`);
					const nodeIp = await k.ok(mgmt, ['get', 'nodes', '-o', 'jsonpath={.items[0].status.addresses[?(@.type=="ExternalIP")].address}']);
					expect(nodeIp).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
					const managementCluster = (address: string) => `apiVersion: operator.tigera.io/v1\nkind: ManagementCluster\nmetadata:\n  name: tigera-secure\nspec:\n  address: ${address}\n`;
					expect(await k.ok(mgmt, ['apply', '-f', '-'], managementCluster(`${nodeIp}:30449`))).toContain('managementcluster.operator.tigera.io/tigera-secure created');

					// An admin user and its token.
					expect(await k.ok(mgmt, ['create', 'sa', 'mcm-user'])).toContain('serviceaccount/mcm-user created');
					expect(await k.ok(mgmt, ['create', 'clusterrolebinding', 'mcm-user-admin', '--serviceaccount=default:mcm-user', '--clusterrole=tigera-network-admin']))
						.toContain('clusterrolebinding.rbac.authorization.k8s.io/mcm-user-admin created');
					// Since Kubernetes 1.24 no token Secret is made for an account: the how-to's lookup finds none.
					expect(await k.ok(mgmt, ['get', 'serviceaccount', 'mcm-user', '-o', 'jsonpath={range .secrets[*]}{.name}{"\\n"}{end}'])).toBe('');
					const token = (await k.ok(mgmt, ['create', 'token', 'mcm-user', '--duration=2h'])).trim();
					const claims = jwtClaims(token);
					expect(claims.exp - claims.iat).toBe(7200);

					// Add the managed cluster; its manifest comes only in the create response.
					const managedFile = join(fleet.dir, `${managedName}.yaml`);
					const installation = await k.ok(mgmt, ['-o', 'jsonpath={.spec.installationManifest}', 'create', '-f', '-'],
						`apiVersion: projectcalico.org/v3\nkind: ManagedCluster\nmetadata:\n  name: ${managedName}\n`);
					expect(installation).toContain('kind: ManagementClusterConnection');
					expect(installation).toContain(`${nodeIp}:30449`);
					writeFileSync(managedFile, installation);

					// Turn the other cluster into a managed cluster.
					await k.ok(managed, ['apply', '-f', managedFile]);
					await k.untilAvailable(managed, ['management-cluster-connection', 'compliance']);
					await k.ok(managed, ['create', '-f', manifest('tigera-policies-managed.yaml')]);
					await k.ok(managed, ['create', 'clusterrolebinding', 'mcm-user-admin', '--serviceaccount=default:mcm-user', '--clusterrole=tigera-network-admin']);
					expect(await k.ok(mgmt, ['get', 'managedcluster', managedName, '-o', 'jsonpath={.status.conditions[?(@.type=="ManagedClusterConnected")].status}'])).toBe('True');

					if (!extras) return;
					// The admin user's token works, and RBAC says what it may do.
					expect((await k.ok(mgmt, [`--token=${token}`, 'auth', 'can-i', 'create', 'managedclusters.projectcalico.org'])).trim()).toBe('yes');
					const denied = await k.run(mgmt, [`--token=${token}`, 'auth', 'can-i', 'delete', 'secrets', '-n', 'kube-system']);
					expect(denied.stdout.trim()).toBe('no');
					expect(denied.code).toBe(1);

					// explain reads the published schemas: a CRD-style type, and a built-in one.
					const explainSpec = await k.ok(mgmt, ['explain', 'managedclusters.spec']);
					expect(explainSpec).toContain('operatorNamespace');
					const explainData = await k.ok(mgmt, ['explain', 'configmap.data']);
					expect(explainData).toContain('Data contains the configuration data.');

					// --validate=strict with a valid object goes through; server dry-run stores nothing.
					expect(await k.ok(mgmt, ['apply', '--validate=strict', '-f', '-'], managementCluster(`${nodeIp}:30449`))).toContain('unchanged');
					const cm = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dry\n  namespace: default\ndata:\n  a: b\n';
					expect(await k.ok(mgmt, ['create', '--dry-run=server', '-f', '-'], cm)).toContain('configmap/dry created (server dry run)');
					expect((await k.run(mgmt, ['get', 'configmap', 'dry'])).stderr).toContain('configmaps "dry" not found');

					// A big answer comes gzipped, as kube-apiserver sends it: kubectl's transport asks for gzip by
					// itself and hides Content-Encoding once it has decompressed; Vary is set only on a gzipped answer.
					const big = `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: big\n  namespace: default\ndata:\n  blob: ${'x'.repeat(200_000)}\n`;
					await k.ok(mgmt, ['create', '-f', '-'], big);
					const gzipped = await k.run(mgmt, ['get', 'configmap', 'big', '-o', 'jsonpath={.data.blob}', '-v=8']);
					expect(gzipped.code, gzipped.stderr).toBe(0);
					expect(gzipped.stdout).toBe('x'.repeat(200_000));
					expect(gzipped.stderr).toMatch(/Vary: Accept-Encoding/);
					await k.ok(mgmt, ['delete', 'configmap', 'big']);

					// wait and diff.
					expect(await k.ok(mgmt, ['wait', '--for=condition=Available', 'tigerastatus/apiserver', '--timeout=20s'])).toContain('condition met');
					expect((await k.run(mgmt, ['diff', '-f', '-'], managementCluster(`${nodeIp}:30449`))).code).toBe(0);
					const changed = await k.run(mgmt, ['diff', '-f', '-'], managementCluster('other.example.com:1'));
					expect(changed.code, changed.stderr).toBe(1);
					expect(changed.stdout).toContain('+  address: other.example.com:1');

					// A cluster that looks lived-in: the operator's pod events and the root CA in every namespace.
					const events = await k.ok(mgmt, ['get', 'events', '-n', 'tigera-operator']);
					for (const reason of ['Scheduled', 'Pulled', 'Created', 'Started']) expect(events).toMatch(new RegExp(`Normal\\s+${reason}\\s+pod/tigera-operator-`));
					// Events by field selector, with the labels kube-apiserver registers for them; any other is refused.
					const scheduled = await k.ok(mgmt, ['get', 'events', '-n', 'tigera-operator', '--field-selector', 'involvedObject.kind=Pod,reason=Scheduled,type=Normal,source=default-scheduler']);
					expect(scheduled).toMatch(/Normal\s+Scheduled\s+pod\/tigera-operator-/);
					expect(scheduled).not.toMatch(/Pulled|Started/);
					const refused = await k.run(mgmt, ['get', 'events', '-n', 'tigera-operator', '--field-selector', 'involvedObject.labels=x']);
					expect(refused.code).not.toBe(0);
					expect(refused.stderr).toContain('field label not supported: involvedObject.labels');
					expect(await k.ok(managed, ['get', 'configmap', 'kube-root-ca.crt', '-n', 'tigera-operator', '-o', 'jsonpath={.data.ca\\.crt}'])).toContain('BEGIN CERTIFICATE');
				} finally {
					k.cleanup();
				}
			}, 420_000);
		});
	});
}
