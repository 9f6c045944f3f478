// The official Kubernetes Python client (Debian's python3-kubernetes), unmodified, against the
// simulator: it must work as against a real cluster.
import {execFile, execFileSync} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {startSingleCluster, type SingleCluster} from './single-cluster.js';

const python = '/usr/bin/python3';
const script = fileURLToPath(new URL('python/client-checks.py', import.meta.url));

function hasPythonClient(): boolean {
	try {
		execFileSync(python, ['-c', 'import kubernetes'], {stdio: 'ignore'});
		return true;
	} catch {
		return false;
	}
}

const available = hasPythonClient();
if (!available) console.warn('SKIPPED: the Python client tests need python3-kubernetes (apt-get install -y python3-kubernetes), which is not installed on this machine');

describe.skipIf(!available)('the official Python client', () => {
	let cluster: SingleCluster;

	beforeAll(async () => {
		cluster = await startSingleCluster('python-client');
	});

	afterAll(async () => {
		await cluster?.stop();
	});

	it('lists, creates, watches (watch=True), gets a token and sees the API errors', async () => {
		const stdout = await new Promise<string>((resolve, reject) => {
			execFile(python, [script, cluster.kubeconfigPath], {timeout: 60_000}, (error, out, err) => (error ? reject(new Error(`${error.message}\n${err}`)) : resolve(out)));
		});
		const result = JSON.parse(stdout) as {namespaces: string[]; created: string; errors: Record<string, unknown>; watched: string[][]; token: {length: number; expiration: string}};
		expect(result.namespaces).toEqual(expect.arrayContaining(['default', 'kube-system']));
		expect(result.created).toBe('from-python');
		expect(result.errors).toEqual({duplicate: [409, 'AlreadyExists'], missing: [404, 'NotFound'], invalid: [422, 'Invalid']});
		expect(result.watched).toContainEqual(['ADDED', 'from-python']);
		expect(result.token.length).toBeGreaterThan(100);
		expect(Date.parse(result.token.expiration) - Date.now()).toBeGreaterThan(3500_000);
	}, 90_000);
});
