import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type {AddressInfo} from 'node:net';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {loadManifests, ManifestError, parseManifestText, splitDocuments} from '../../source/kube/manifests.js';

const repo = path.resolve(import.meta.dirname, '../..');

function doc(kind: string, name: string, extra = ''): string {
	return `apiVersion: v1\nkind: ${kind}\nmetadata:\n  name: ${name}\n${extra}`;
}

async function problemsOf(run: () => unknown): Promise<string> {
	try {
		await run();
	} catch (error) {
		expect(error).toBeInstanceOf(ManifestError);
		return (error as ManifestError).message;
	}
	throw new Error('expected a ManifestError');
}

describe('splitDocuments', () => {
	it('numbers documents as a user counts them and gives the line each starts on', () => {
		const text = ['# header', '---', doc('Namespace', 'a'), '---', '# only a comment', '---', doc('ConfigMap', 'b')].join('\n');
		const docs = splitDocuments(text);
		expect(docs.map(d => [d.number, d.line])).toEqual([
			[1, 3],
			[2, 11],
		]);
	});
});

describe('parseManifestText', () => {
	it('names the file, the document number and the line of a YAML error in the 5th document', async () => {
		const docs = [doc('Namespace', 'one'), doc('ConfigMap', 'two', '  namespace: one\n'), doc('ConfigMap', 'three'), doc('ConfigMap', 'four')];
		const broken = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: five\n  labels: a: b\n';
		const text = [...docs, broken].join('---\n');
		// Line of "labels: a: b" in the whole file.
		const line = text.split('\n').findIndex(l => l.includes('labels: a: b')) + 1;
		const message = await problemsOf(() => parseManifestText(text, 'custom-resources.yaml'));
		expect(message).toBe(`custom-resources.yaml: document 5 (line ${line}): bad indentation of a mapping entry`);
	});

	it('reports every invalid document, not only the first', async () => {
		const text = [
			'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Not_Valid\n',
			'kind: ConfigMap\nmetadata:\n  name: fine\n',
			'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ns\n  namespace: default\n',
			'apiVersion: v1\nkind: ConfigMap\nmetadata: {}\n',
		].join('---\n');
		const message = await problemsOf(() => parseManifestText(text, 'set.yaml'));
		expect(message.split('\n')).toEqual([
			expect.stringMatching(/^set\.yaml: document 1 \(line 4\): ConfigMap name "Not_Valid" is invalid: must consist of lower case/),
			'set.yaml: document 2 (line 6): apiVersion is missing (e.g. apiVersion: v1)',
			'set.yaml: document 3 (line 14): Namespace is cluster-scoped: remove metadata.namespace "default"',
			'set.yaml: document 4 (line 18): metadata.name is missing',
		]);
	});

	it('judges the scope of custom kinds by the CRDs of the same set', async () => {
		const crd = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: widgets.example.com
spec:
  group: example.com
  scope: Cluster
  names: {plural: widgets, kind: Widget}
  versions: [{name: v1, served: true, storage: true}]
`;
		const widget = 'apiVersion: example.com/v1\nkind: Widget\nmetadata:\n  name: w\n  namespace: default\n';
		const message = await problemsOf(() => parseManifestText(`${crd}---\n${widget}`, 'w.yaml'));
		expect(message).toBe('w.yaml: document 2 (line 15): Widget is cluster-scoped: remove metadata.namespace "default"');
	});

	it('accepts the demo manifest set, in order, with documents and lines', async () => {
		const docs = await loadManifests(path.join(repo, 'demo/manifests'));
		const files = [...new Set(docs.map(d => path.basename(d.file)))];
		expect(files).toEqual([...files].sort());
		const cr = docs.filter(d => d.file.endsWith('custom-resources.yaml'));
		expect(cr.map(d => d.object.kind)).toContain('Installation');
		expect(cr.map(d => d.object.kind)).toContain('Manager');
		for (const d of cr) {
			// The line a document starts on holds its apiVersion (or a comment above it).
			const lines = fs.readFileSync(d.file, 'utf8').split('\n');
			expect(lines.slice(d.line - 1, d.line + 3).join('\n')).toContain(`kind: ${d.object.kind}`);
		}
	});

	it('expands kind: List and accepts JSON', async () => {
		const list = JSON.stringify({apiVersion: 'v1', kind: 'List', items: [{apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'a'}}, {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'b'}}]});
		const docs = parseManifestText(list, 'l.json');
		expect(docs.map(d => d.object.metadata.name)).toEqual(['a', 'b']);
	});

	it('allows RBAC names with colons but not other kinds', async () => {
		expect(parseManifestText('apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: "system:x"\n', 'r.yaml')).toHaveLength(1);
		await expect(problemsOf(() => parseManifestText('apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: "system:x"\n', 'c.yaml'))).resolves.toMatch(/document 1 \(line 4\)/);
	});
});

describe('loadManifests', () => {
	let dir: string;
	let server: http.Server;
	let base: string;
	beforeAll(async () => {
		dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mcm-manifests-'));
		server = http.createServer((req, res) => {
			if (req.url === '/ok.yaml') res.end(doc('ConfigMap', 'from-url'));
			else {
				res.statusCode = 404;
				res.end('not found');
			}
		});
		await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
		base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
	});
	afterAll(async () => {
		fs.rmSync(dir, {recursive: true, force: true});
		await new Promise(resolve => server.close(resolve));
	});

	it('reads a directory sorted by name, only manifest files', async () => {
		fs.writeFileSync(path.join(dir, 'b.yaml'), doc('ConfigMap', 'b'));
		fs.writeFileSync(path.join(dir, 'a.yml'), doc('ConfigMap', 'a'));
		fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'c'}}));
		fs.writeFileSync(path.join(dir, 'notes.txt'), 'not yaml: [');
		const docs = await loadManifests(dir);
		expect(docs.map(d => d.object.metadata.name)).toEqual(['a', 'b', 'c']);
	});

	it('reads an http URL, and names the URL when it fails', async () => {
		const docs = await loadManifests(`${base}/ok.yaml`);
		expect(docs.map(d => d.object.metadata.name)).toEqual(['from-url']);
		await expect(problemsOf(() => loadManifests(`${base}/missing.yaml`))).resolves.toBe(`${base}/missing.yaml: cannot download: HTTP 404 Not Found`);
	});

	it('names a missing file', async () => {
		const missing = path.join(dir, 'nope.yaml');
		await expect(problemsOf(() => loadManifests(missing))).resolves.toBe(`${missing}: cannot read: no such file or directory`);
	});
});
