import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, expect, test} from 'vitest';
import {startConsole} from './console-screen.js';

// What Node loads for the console's first frame (issue 10's first paint): not what talks to clusters
// (https, http2, tls: imported once the frame is out) and not node:crypto (~20 of Node's modules:
// loaded on the first certificate parsed or file written, source/mcm/lazy-crypto.ts).

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-first-frame-builtins-'));
afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));

test('the first frame is drawn without node:crypto, https, http2 or tls loaded', async () => {
	const kubeconfig = path.join(dir, 'kubeconfig');
	fs.writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: "https://127.0.0.1:1"\nusers:\n- name: u\n  user:\n    token: t\ncontexts:\n- name: a\n  context:\n    cluster: c\n    user: u\n', {mode: 0o600});
	// Node's own list of the modules it has loaded, taken when the console writes its first frame.
	const record = path.join(dir, 'loaded.json');
	const preload = path.join(dir, 'preload.cjs');
	fs.writeFileSync(preload, `const fs = require('node:fs');\nconst write = process.stdout.write;\nprocess.stdout.write = function (chunk, ...rest) {\n\tif (String(chunk).includes('Fleet') && !fs.existsSync(${JSON.stringify(record)})) fs.writeFileSync(${JSON.stringify(record)}, JSON.stringify(process.moduleLoadList));\n\treturn write.call(this, chunk, ...rest);\n};\n`);
	const c = startConsole(['--kubeconfig', kubeconfig], {env: {HOME: dir, NODE_OPTIONS: `--require ${preload}`}});
	try {
		await c.waitFor(t => t.includes('Fleet'), 'the first frame');
	} finally {
		c.kill();
		await c.exited;
	}
	const loaded = (JSON.parse(fs.readFileSync(record, 'utf8')) as string[]).filter(m => m.startsWith('NativeModule ')).map(m => m.slice('NativeModule '.length));
	expect(loaded).toContain('tty');
	expect(loaded.filter(m => /^(crypto|https|http2|tls|_tls_wrap)$/.test(m))).toEqual([]);
}, 30_000);
