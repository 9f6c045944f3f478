// TLS exactly as the kubeconfig says: CA (file or data), insecure-skip-tls-verify, tls-server-name,
// and client certificates, against an HTTPS server on 127.0.0.1.
import fs from 'node:fs';
import os from 'node:os';
import https from 'node:https';
import path from 'node:path';
import type {AddressInfo} from 'node:net';
import type {TLSSocket} from 'node:tls';
import {afterAll, beforeAll, describe, expect, it} from 'vitest';
import {createClients} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {writeKubeconfig, rejection} from './fake-api.js';

const fixtures = path.join(path.dirname(new URL(import.meta.url).pathname), 'fixtures', 'tls');
const read = (name: string) => fs.readFileSync(path.join(fixtures, name));
const b64 = (name: string) => read(name).toString('base64');

let server: https.Server;
let url: string;
const clients: Array<{close(): void}> = [];

beforeAll(async () => {
	// Asks for a client certificate but also serves clients without one, and says who it saw.
	server = https.createServer({key: read('server.key'), cert: read('server.crt'), ca: read('ca.crt'), requestCert: true, rejectUnauthorized: false}, (req, res) => {
		const socket = req.socket as TLSSocket;
		const peer = socket.getPeerCertificate();
		const user = socket.authorized && peer?.subject ? peer.subject.CN : null;
		res.writeHead(200, {'Content-Type': 'application/json'});
		res.end(JSON.stringify({user, authorization: req.headers.authorization ?? null}));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	url = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
	for (const client of clients) client.close();
	server.closeAllConnections();
	await new Promise((resolve) => server.close(resolve));
});

function client(clusterLines: string[], userLines: string[] = ['token: tls-token']) {
	const text = [
		'apiVersion: v1',
		'kind: Config',
		'clusters:',
		'- name: c',
		'  cluster:',
		`    server: ${url}`,
		...clusterLines.map((l) => `    ${l}`),
		'users:',
		'- name: u',
		'  user:',
		...userLines.map((l) => `    ${l}`),
		'contexts:',
		'- name: tls',
		'  context: {cluster: c, user: u}',
	].join('\n');
	const {dir, file} = writeKubeconfig(text);
	for (const name of ['ca.crt', 'client.crt', 'client.key']) fs.copyFileSync(path.join(fixtures, name), path.join(dir, name));
	const c = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000}).get('tls')!;
	clients.push(c);
	return c;
}

const who = (c: ReturnType<typeof client>) => c.request<{user: string | null; authorization: string | null}>({path: '/api/v1/namespaces'});

describe('TLS from the kubeconfig', () => {
	it('verifies the server with certificate-authority-data and tls-server-name', async () => {
		const answer = await who(client([`certificate-authority-data: ${b64('ca.crt')}`, 'tls-server-name: kube.internal']));
		expect(answer).toEqual({user: null, authorization: 'Bearer tls-token'});
	});

	it('reads a certificate-authority file relative to the kubeconfig', async () => {
		expect((await who(client(['certificate-authority: ca.crt', 'tls-server-name: kube.internal']))).authorization).toBe('Bearer tls-token');
	});

	it('refuses a server it cannot verify, saying why', async () => {
		const unknownCa = await rejection(who(client(['tls-server-name: kube.internal'])));
		expect(unknownCa.kind).toBe('unreachable');
		expect(unknownCa.message).toMatch(/certificate/i);
		expect(unknownCa.message).toContain('check certificate-authority(-data) and tls-server-name of cluster "c"');
		const wrongName = await rejection(who(client([`certificate-authority-data: ${b64('ca.crt')}`])));
		expect(wrongName.message).toContain('Hostname/IP does not match certificate');
		expect(wrongName.message).toContain('127.0.0.1');
	});

	it('skips verification only when insecure-skip-tls-verify says so', async () => {
		expect((await who(client(['insecure-skip-tls-verify: true']))).authorization).toBe('Bearer tls-token');
	});

	it('presents the client certificate, from data or from files', async () => {
		const ca = [`certificate-authority-data: ${b64('ca.crt')}`, 'tls-server-name: kube.internal'];
		const fromData = await who(client(ca, [`client-certificate-data: ${b64('client.crt')}`, `client-key-data: ${b64('client.key')}`]));
		expect(fromData).toEqual({user: 'alice', authorization: null});
		const fromFiles = await who(client(ca, ['client-certificate: client.crt', 'client-key: client.key']));
		expect(fromFiles.user).toBe('alice');
	});

	it('uses a client certificate handed out by an exec plugin', async () => {
		const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'exec-cert-'));
		const plugin = path.join(dir, 'cert-plugin');
		fs.writeFileSync(
			plugin,
			`#!/usr/bin/env node
const fs = require('node:fs');
const status = {clientCertificateData: fs.readFileSync(process.env.CERT, 'utf8'), clientKeyData: fs.readFileSync(process.env.KEY, 'utf8')};
process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status}));
`,
			{mode: 0o755},
		);
		const c = client(
			[`certificate-authority-data: ${b64('ca.crt')}`, 'tls-server-name: kube.internal'],
			[
				'exec:',
				'  apiVersion: client.authentication.k8s.io/v1beta1',
				`  command: ${plugin}`,
				'  env:',
				`  - {name: CERT, value: ${path.join(fixtures, 'client.crt')}}`,
				`  - {name: KEY, value: ${path.join(fixtures, 'client.key')}}`,
			],
		);
		expect(await who(c)).toEqual({user: 'alice', authorization: null});
	});

	it('names an unreadable certificate file', async () => {
		const error = await rejection(who(client(['certificate-authority: missing-ca.crt'])));
		expect(error.kind).toBe('config');
		expect(error.message).toContain('missing-ca.crt');
		expect(error.message).toContain('cluster "c"');
	});
});
