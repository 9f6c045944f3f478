import {execFile} from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, beforeAll, describe, expect, it, vi} from 'vitest';
import {configExample, configPath, loadUserConfig, withConfigDefaults} from '../../source/cli/config-file.js';
import {parseConsoleArgs} from '../../source/cli/console.js';
import {UsageError} from '../../source/cli/usage.js';
import {kubeconfigFor, startServer, writeKubeconfig, type TestServer} from '../kube/fake-api.js';
import {cliPath as cli} from '../helpers/cli.js';

// $XDG_CONFIG_HOME/calico-mcm/config.yaml: the README's example loads, flags win over it, and a bad
// file stops every command with its file, line and fix (exit 2).

let home: string;

function writeConfig(text: string): NodeJS.ProcessEnv {
	const xdg = fs.mkdtempSync(path.join(home, 'xdg-'));
	fs.mkdirSync(path.join(xdg, 'calico-mcm'));
	fs.writeFileSync(path.join(xdg, 'calico-mcm', 'config.yaml'), text);
	return {HOME: home, XDG_CONFIG_HOME: xdg};
}

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{code: number; stdout: string; stderr: string}> {
	return new Promise(resolve => {
		execFile(process.execPath, [cli, ...args], {env: {...process.env, ...env}, timeout: 30_000}, (error, stdout, stderr) => {
			resolve({code: error ? Number((error as {code?: number}).code ?? 1) : 0, stdout, stderr});
		});
	});
}

beforeAll(() => {
	home = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-config-'));
});
afterAll(() => fs.rmSync(home, {recursive: true, force: true}));

describe('the config file', () => {
	it('lives under XDG_CONFIG_HOME, else ~/.config', () => {
		expect(configPath({HOME: '/home/sre', XDG_CONFIG_HOME: '/cfg'})).toBe('/cfg/calico-mcm/config.yaml');
		expect(configPath({HOME: '/home/sre'})).toBe('/home/sre/.config/calico-mcm/config.yaml');
		expect(loadUserConfig({HOME: home, XDG_CONFIG_HOME: path.join(home, 'none')})).toEqual({managedClusterNames: {}});
	});

	it('reads the documented example, expanding ~ and resolving relative paths against the file', () => {
		const env = writeConfig(`${configExample}\nlicense: ../license.yaml\n`.replace(/^license: ~\/calico\/license.yaml\n/m, ''));
		const config = loadUserConfig(env);
		expect(config).toMatchObject({
			requestTimeout: '15s',
			manifests: path.join(home, 'calico/manifests'),
			pullSecret: path.join(home, 'calico/pull-secret.json'),
			license: path.join(env.XDG_CONFIG_HOME!, 'license.yaml'),
			user: 'sre-team',
			role: 'tigera-network-admin',
			ascii: false,
			color: true,
			managedClusterNames: {'gke_acme_europe-west1_prod-eu': 'prod-eu'},
		});
	});

	it('fills only the flags the command line did not give', () => {
		const config = {requestTimeout: '15s', manifests: '/m', ascii: true, managedClusterNames: {}};
		expect(withConfigDefaults({requestTimeout: '3s', ascii: false}, ['--request-timeout', '3s', '--no-ascii'], config, ['requestTimeout', 'manifests', 'ascii'])).toEqual({requestTimeout: '3s', ascii: false, manifests: '/m'});
		expect(withConfigDefaults({ascii: false}, [], config, ['requestTimeout', 'ascii'])).toEqual({requestTimeout: '15s', ascii: true});
	});

	it.each([
		['requestTimeout: 10s\nascii: yes please\n', 2, /ascii must be true or false, not "yes please"/],
		['requestTimeout: soon\n', 1, /requestTimeout must be a duration more than zero such as 10s, not "soon"/],
		['# mine\nmanifest: /x\n', 2, /unknown setting "manifest"/],
		['managedClusterNames:\n  eks-prod: Prod_1\n', 2, /managedClusterNames\.eks-prod must be a ManagedCluster name/],
		['user: [a, b]\n', 1, /user must be a non-empty string/],
		['ascii: true\n  color: false\n', 2, /invalid YAML/],
	])('refuses %j naming line %i', (text, line, message) => {
		const env = writeConfig(text);
		let error: unknown;
		try {
			loadUserConfig(env);
		} catch (e) {
			error = e;
		}
		expect(error).toBeInstanceOf(UsageError);
		expect((error as UsageError).message).toMatch(new RegExp(`^config file ${env.XDG_CONFIG_HOME}/calico-mcm/config\\.yaml line ${line}: `));
		expect((error as UsageError).message).toMatch(message);
		expect((error as UsageError).hint).toBeTruthy();
	});
});

describe('commands with a config file', () => {
	let server: TestServer;
	let kubeconfig: string;
	beforeAll(async () => {
		// Never answers: the request timeout in force shows in the error.
		server = await startServer(() => undefined);
		kubeconfig = writeKubeconfig(kubeconfigFor([{name: 'slow', server: server.url, token: 't'}])).file;
	});
	afterAll(() => server.close());

	it('status takes its request timeout from the file, and --request-timeout wins', async () => {
		const env = writeConfig('requestTimeout: 1s\n');
		const fromFile = await run(['status', '--json', '--kubeconfig', kubeconfig], env);
		expect(fromFile.code).toBe(1);
		expect(fromFile.stdout).toMatch(/no answer within 1s/);
		const fromFlag = await run(['status', '--json', '--kubeconfig', kubeconfig, '--request-timeout', '2s'], env);
		expect(fromFlag.stdout).toMatch(/no answer within 2s/);
	}, 30_000);

	it('a wrong type stops status, run and the console with exit 2, one line naming the line, and the fix', async () => {
		const env = writeConfig('requestTimeout: 5s\ncolor: 3\n');
		for (const args of [['status'], ['run', 'grant', '--context', 'slow'], ['--kubeconfig', kubeconfig]]) {
			const r = await run(args, env);
			expect(r.code, args.join(' ')).toBe(2);
			expect(r.stderr).toBe(`calico-mcm: config file ${env.XDG_CONFIG_HOME}/calico-mcm/config.yaml line 2: color must be true or false, not 3\n  fix: write "color: true" or "color: false"\n`);
		}
	}, 30_000);
});

describe('managedClusterNames and --managed-cluster-name', () => {
	afterEach(() => vi.unstubAllEnvs());

	it('the console takes the file\'s mapping, and a flag replaces the file\'s entry for its context', () => {
		const env = writeConfig('managedClusterNames:\n  pm1: managed-1\n  pm2: managed-2\n');
		vi.stubEnv('HOME', env.HOME!);
		vi.stubEnv('XDG_CONFIG_HOME', env.XDG_CONFIG_HOME!);
		const options = parseConsoleArgs(['--managed-cluster-name', 'pm2=payments', '--managed-cluster-name', 'eks-3=managed-3']);
		expect(options !== 'help' && options.managedClusterNames).toEqual({pm1: 'managed-1', pm2: 'payments', 'eks-3': 'managed-3'});
		// The demo's contexts are its own: the file's mapping (for the user's contexts) is left out.
		const demo = parseConsoleArgs(['--demo']);
		expect(demo !== 'help' && demo.managedClusterNames).toBeUndefined();
		expect(() => parseConsoleArgs(['--managed-cluster-name', 'pm2'])).toThrow(/invalid --managed-cluster-name "pm2"/);
	});
});
