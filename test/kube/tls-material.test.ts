// What a client keeps of its kubeconfig's TLS material: the bytes the kubeconfig says, one copy per
// distinct value (a fleet behind one CA keeps one), none of them pinning a block of Node's buffer pool.
import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {readTlsMaterial, secureContextId, sharedSecureContext} from '../../source/kube/tls-material.js';
import {writeKubeconfig} from './fake-api.js';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'tls');
const read = (name: string) => fs.readFileSync(path.join(fixtures, name));

function entries(count: number) {
	const ca = read('ca.crt').toString('base64');
	const lines = ['apiVersion: v1', 'kind: Config', 'clusters:'];
	for (let i = 0; i < count; i++) lines.push(`- name: c${i}`, '  cluster:', `    server: https://127.0.0.1:${6443 + i}`, `    certificate-authority-data: ${ca}`);
	lines.push('users:');
	for (let i = 0; i < count; i++) lines.push(`- name: u${i}`, '  user:', `    client-certificate-data: ${read('client.crt').toString('base64')}`, `    client-key-data: ${read('client.key').toString('base64')}`);
	lines.push('contexts:');
	for (let i = 0; i < count; i++) lines.push(`- name: x${i}`, '  context:', `    cluster: c${i}`, `    user: u${i}`);
	const {file} = writeKubeconfig(`${lines.join('\n')}\n`);
	return [...loadKubeconfig({kubeconfig: file}).entries.values()];
}

describe('TLS material', () => {
	it('decodes each distinct *-data once, into a buffer of its own', () => {
		const [first, ...rest] = entries(3).map(readTlsMaterial);
		expect(first!.ca!.equals(read('ca.crt'))).toBe(true);
		expect(first!.cert!.equals(read('client.crt'))).toBe(true);
		expect(first!.key!.equals(read('client.key'))).toBe(true);
		for (const other of rest) {
			expect(other.ca).toBe(first!.ca);
			expect(other.cert).toBe(first!.cert);
			expect(other.key).toBe(first!.key);
		}
		// Not a slice of the shared 8 KB pool, which it would keep alive as long as the client lives.
		for (const buffer of [first!.ca!, first!.cert!, first!.key!]) expect(buffer.buffer.byteLength).toBe(buffer.length);
	});

	it('gives clients with the same CA, certificate and key one secure context, and other material its own', () => {
		const [first, second] = entries(2).map(readTlsMaterial);
		const shared = sharedSecureContext(first!.ca, first!.cert, first!.key);
		expect(sharedSecureContext(second!.ca, second!.cert, second!.key)).toBe(shared);
		// Equal bytes in buffers of their own (a file read again): the same context, by content.
		const copy = (b: Buffer) => Buffer.from(b);
		expect(sharedSecureContext(copy(first!.ca!), copy(first!.cert!), copy(first!.key!))).toBe(shared);
		// Any part different, or missing: another context, with another id (what TLS sessions are kept under).
		const others = [
			sharedSecureContext(first!.ca, first!.cert, undefined),
			sharedSecureContext(first!.ca, undefined, undefined),
			sharedSecureContext(undefined, first!.cert, first!.key),
			sharedSecureContext(read('server.crt'), first!.cert, first!.key),
		];
		const ids = new Set([shared, ...others].map(secureContextId));
		expect(ids.size).toBe(5);
		expect(new Set([shared, ...others]).size).toBe(5);
		// Asked again, each part by identity: still each its own.
		expect(sharedSecureContext(first!.ca, first!.cert, undefined)).toBe(others[0]);
		expect(sharedSecureContext(first!.ca, undefined, undefined)).toBe(others[1]);
		expect(sharedSecureContext(undefined, first!.cert, first!.key)).toBe(others[2]);
	});
});
