// A 1,001-context kubeconfig is ~1 MB of text: the fleet must keep what it parsed out of it, not the
// text. Checked in a heap snapshot, which is why this file runs in a process of its own
// (vitest.config.ts): in a worker shared with the simulator, ink and client-node files, the snapshot
// was large enough to take over 30 s on a busy CI machine.
import {randomUUID} from 'node:crypto';
import v8 from 'node:v8';
import {describe, expect, it} from 'vitest';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {writeKubeconfig} from './fake-api.js';

describe('loadKubeconfig memory', () => {
	it('keeps no copy of the file\'s text once parsed', async () => {
		const id = randomUUID();
		const contexts = 50;
		// The text lives only in this function: once it returns, a copy in the heap is the loader's.
		const file = (() => {
			let text = `# text-${id}\napiVersion: v1\nkind: Config\nclusters:\n`;
			for (let i = 0; i < contexts; i++) text += `- name: c-${i}\n  cluster:\n    server: https://cluster-${i}.example:6443\n`;
			text += 'users:\n';
			for (let i = 0; i < contexts; i++) text += `- name: u-${i}\n  user:\n    token: token-for-cluster-number-${i}\n`;
			text += 'contexts:\n';
			for (let i = 0; i < contexts; i++) text += `- name: ctx-${i}\n  context:\n    cluster: c-${i}\n    user: u-${i}\n`;
			return writeKubeconfig(text).file;
		})();
		const config = loadKubeconfig({kubeconfig: file});
		expect(config.contexts).toHaveLength(contexts);
		// Every server, name and token the fleet keeps is still there, and none of them holds the text.
		let snapshot = '';
		for await (const chunk of v8.getHeapSnapshot()) snapshot += String(chunk);
		expect(snapshot.includes('https://cluster-49.example:6443')).toBe(true);
		expect(snapshot.includes(`# text-${id}\\n`)).toBe(false);
		expect(config.contexts[49]?.name).toBe('ctx-49');
	});
});
