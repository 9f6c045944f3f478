import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {ConfigError} from '../../source/kube/errors.js';
import {writeKubeconfig} from './fake-api.js';

const fileA = `apiVersion: v1
kind: Config
current-context: alpha
clusters:
- name: c-alpha
  cluster:
    server: https://alpha.example:6443
    certificate-authority: certs/ca.crt
- name: c-shared
  cluster:
    server: https://from-a.example:6443
users:
- name: u-alpha
  user:
    token: token-a
- name: u-shared
  user:
    token: shared-from-a
contexts:
- name: alpha
  context:
    cluster: c-alpha
    user: u-alpha
    namespace: calico-system
- name: shared
  context:
    cluster: c-shared
    user: u-shared
`;

const fileB = `apiVersion: v1
kind: Config
current-context: beta
clusters:
- name: c-beta
  cluster:
    server: https://beta.example:6443
- name: c-shared
  cluster:
    server: https://from-b.example:6443
users:
- name: u-beta
  user:
    token: token-b
- name: u-shared
  user:
    token: shared-from-b
contexts:
- name: beta
  context:
    cluster: c-beta
    user: u-beta
- name: shared
  context:
    cluster: c-beta
    user: u-beta
`;

function expectConfigError(fn: () => unknown): ConfigError {
	try {
		fn();
	} catch (error) {
		expect(error).toBeInstanceOf(ConfigError);
		return error as ConfigError;
	}
	throw new Error('expected a ConfigError');
}

describe('loadKubeconfig', () => {
	it('merges a KUBECONFIG list as kubectl does: first definition wins, current-context from the first file', () => {
		const a = writeKubeconfig(fileA);
		const b = writeKubeconfig(fileB);
		const config = loadKubeconfig({env: {KUBECONFIG: `${a.file}:${b.file}`, HOME: a.dir}});
		expect(config.files).toEqual([a.file, b.file]);
		expect(config.currentContext).toBe('alpha');
		expect(config.contexts.map((c) => c.name)).toEqual(['alpha', 'shared', 'beta']);
		const shared = config.contexts.find((c) => c.name === 'shared')!;
		// The context, its cluster and its user all come from the first file.
		expect(shared.server).toBe('https://from-a.example:6443');
		expect(config.entries.get('shared')!.user.token).toBe('shared-from-a');
		expect(config.contexts.find((c) => c.name === 'alpha')!.namespace).toBe('calico-system');
		expect(config.contexts.find((c) => c.name === 'beta')!.namespace).toBe('default');
		// Relative paths resolve against the file that names them.
		expect(config.entries.get('alpha')!.cluster.certificateAuthority).toBe(path.join(a.dir, 'certs/ca.crt'));
	});

	it('prefers --kubeconfig over KUBECONFIG, and KUBECONFIG over ~/.kube/config', () => {
		const a = writeKubeconfig(fileA);
		const b = writeKubeconfig(fileB);
		expect(loadKubeconfig({kubeconfig: b.file, env: {KUBECONFIG: a.file}}).currentContext).toBe('beta');
		const home = writeKubeconfig(fileB);
		fs.mkdirSync(path.join(home.dir, '.kube'));
		fs.renameSync(home.file, path.join(home.dir, '.kube', 'config'));
		expect(loadKubeconfig({env: {HOME: home.dir}}).currentContext).toBe('beta');
		expect(loadKubeconfig({env: {HOME: home.dir, KUBECONFIG: a.file}}).currentContext).toBe('alpha');
	});

	it('reads a kubeconfig whose YAML aliases refer back to themselves', () => {
		const a = writeKubeconfig(`${fileA}preferences: &loop\n  again: *loop\n`);
		expect(loadKubeconfig({kubeconfig: a.file}).contexts.map(c => c.name)).toEqual(['alpha', 'shared']);
	});

	it('skips missing files in a KUBECONFIG list, as kubectl does', () => {
		const a = writeKubeconfig(fileA);
		const config = loadKubeconfig({env: {KUBECONFIG: `/nonexistent/one:${a.file}`}});
		expect(config.files).toEqual([a.file]);
	});

	it('limits the fleet to the contexts asked for, in that order', () => {
		const a = writeKubeconfig(fileA);
		const b = writeKubeconfig(fileB);
		const config = loadKubeconfig({env: {KUBECONFIG: `${a.file}:${b.file}`}, contexts: ['beta', 'alpha']});
		expect(config.contexts.map((c) => c.name)).toEqual(['beta', 'alpha']);
		expect([...config.entries.keys()]).toEqual(['beta', 'alpha']);
	});

	it('names an unknown context and lists the known ones', () => {
		const a = writeKubeconfig(fileA);
		const error = expectConfigError(() => loadKubeconfig({kubeconfig: a.file, contexts: ['alpha', 'gamma']}));
		expect(error.message).toContain('"gamma"');
		expect(error.message).toContain('known contexts: alpha, shared');
		expect(error.hint).toContain('kubectl config get-contexts');
	});

	it('names a missing --kubeconfig file and suggests --demo', () => {
		const error = expectConfigError(() => loadKubeconfig({kubeconfig: '/nonexistent/kube.yaml'}));
		expect(error.message).toContain('/nonexistent/kube.yaml');
		expect(error.file).toBe('/nonexistent/kube.yaml');
		expect(error.hint).toContain('--demo');
	});

	it('names the default path when there is no kubeconfig at all', () => {
		const home = writeKubeconfig('');
		const error = expectConfigError(() => loadKubeconfig({env: {HOME: home.dir}}));
		expect(error.message).toContain(path.join(home.dir, '.kube', 'config'));
		expect(error.hint).toMatch(/--kubeconfig/);
		expect(error.hint).toMatch(/--demo/);
	});

	it('reports malformed YAML with the file and the line', () => {
		const broken = fileA.replace('    token: token-a', '    token: token-a\n   bad: [unclosed');
		const {file} = writeKubeconfig(broken);
		const error = expectConfigError(() => loadKubeconfig({kubeconfig: file}));
		expect(error.file).toBe(file);
		const expectedLine = broken.split('\n').findIndex((l) => l.includes('bad: [unclosed')) + 1;
		// js-yaml reports where it noticed the problem: the bad line or the one after it.
		expect(error.line).toBeGreaterThanOrEqual(expectedLine);
		expect(error.line).toBeLessThanOrEqual(expectedLine + 2);
		expect(error.message).toContain(`${file} line ${error.line}`);
		expect(error.hint).toContain(`${file}:${error.line}`);
	});

	it('refuses a context that refers to a cluster or user that is not defined', () => {
		const noCluster = writeKubeconfig(fileA.replace('cluster: c-alpha', 'cluster: c-missing'));
		const e1 = expectConfigError(() => loadKubeconfig({kubeconfig: noCluster.file}));
		expect(e1.message).toContain('context "alpha" refers to cluster "c-missing"');
		expect(e1.line).toBe(fileA.split('\n').findIndex((l) => l === '- name: alpha') + 1);
		const noUser = writeKubeconfig(fileA.replace('user: u-alpha', 'user: u-missing'));
		const e2 = expectConfigError(() => loadKubeconfig({kubeconfig: noUser.file}));
		expect(e2.message).toContain('context "alpha" refers to user "u-missing"');
		expect(e2.hint).toContain('u-alpha');
	});

	it('refuses a cluster without a valid server URL', () => {
		const {file} = writeKubeconfig(fileA.replace('server: https://alpha.example:6443', 'server: alpha.example:6443'));
		const error = expectConfigError(() => loadKubeconfig({kubeconfig: file}));
		expect(error.message).toContain('cluster "c-alpha" has an invalid server "alpha.example:6443"');
	});

	it('refuses a file with no contexts, and a file that is not a kubeconfig', () => {
		const empty = writeKubeconfig('apiVersion: v1\nkind: Config\n');
		expect(expectConfigError(() => loadKubeconfig({kubeconfig: empty.file})).message).toContain('no contexts');
		const list = writeKubeconfig('- just\n- a list\n');
		expect(expectConfigError(() => loadKubeconfig({kubeconfig: list.file})).message).toContain('not a kubeconfig');
	});

	it('resolves a relative exec command against the kubeconfig and keeps a bare one for PATH lookup', () => {
		const text = fileA.replace(
			'    token: token-a',
			'    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: ./bin/plugin\n      args: [get-token]\n      env:\n      - name: FOO\n        value: bar',
		);
		const {dir, file} = writeKubeconfig(text);
		const exec = loadKubeconfig({kubeconfig: file}).entries.get('alpha')!.user.exec!;
		expect(exec.command).toBe(path.join(dir, 'bin/plugin'));
		expect(exec.args).toEqual(['get-token']);
		expect(exec.env).toEqual([{name: 'FOO', value: 'bar'}]);
		const bare = writeKubeconfig(text.replace('./bin/plugin', 'gke-gcloud-auth-plugin'));
		expect(loadKubeconfig({kubeconfig: bare.file}).entries.get('alpha')!.user.exec!.command).toBe('gke-gcloud-auth-plugin');
	});
});
