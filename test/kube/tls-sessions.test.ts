// TLS sessions kept across runs (kube/tls-sessions.ts, cli/tls-session-file.ts) against the
// simulator's API servers, which issue tickets as kube-apiserver's Go crypto/tls does: TLS 1.3, 7 days,
// ticket keys per server. What a user would notice: a second run that still makes full handshakes, a
// session that resumes on a server it was not made for, a secrets file others can read, or a damaged
// file that breaks a command.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {afterAll, afterEach, describe, expect, it} from 'vitest';
import {createClients, type ClusterClient} from '../../source/kube/client.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {sessionExpiry, TlsSessionCache, withoutPeerCertificate} from '../../source/kube/tls-sessions.js';
import {loadTlsSessions, saveTlsSessions, sessionServers, tlsSessionFile} from '../../source/cli/tls-session-file.js';
import {kubeconfigYaml, startSingleCluster, type SingleCluster} from '../sim/single-cluster.js';
import {writeKubeconfig} from './fake-api.js';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-tls-sessions-'));
afterAll(() => fs.rmSync(root, {recursive: true, force: true}));
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function cluster(name: string): Promise<SingleCluster> {
	const c = await startSingleCluster(name, {http2: true});
	cleanups.push(() => c.stop());
	return c;
}

/** A new client (as a new run would make), on HTTP/1.1 as the one-shot `status`, resuming from `sessions`. */
function clientFor(c: SingleCluster, sessions?: TlsSessionCache): ClusterClient {
	const {file} = writeKubeconfig(kubeconfigYaml(c.server.url, c.tokens.adminToken));
	const client = createClients(loadKubeconfig({kubeconfig: file}), {requestTimeoutMs: 5000, http2: false, ...(sessions ? {tlsSessions: sessions} : {})}).get('sim')!;
	cleanups.push(() => client.close());
	return client;
}

const version = async (client: ClusterClient) => (await client.request<{gitVersion: string}>({path: '/version'})).gitVersion;
const mode = (file: string) => fs.statSync(file).mode & 0o777;
const env = (name: string) => ({XDG_CACHE_HOME: path.join(root, name)});

describe('TLS sessions across runs', () => {
	it('a second run resumes the session the first was issued, and the ticket lasts 7 days as Go issues it', async () => {
		const a = await cluster('a');
		const sessions = new TlsSessionCache();
		expect(await version(clientFor(a, sessions))).toMatch(/^v1\./);
		expect(a.server.connections).toMatchObject({accepted: 1, resumed: 0});
		const [[, , expiresAt]] = sessions.live();
		expect((expiresAt - Date.now()) / 86_400_000).toBeCloseTo(7, 1);

		expect(await version(clientFor(a, sessions))).toMatch(/^v1\./);
		expect(a.server.connections).toMatchObject({accepted: 2, resumed: 1});
	});

	it('a ticket from cluster A is refused by cluster B: a full handshake, and the request answers', async () => {
		const [a, b] = [await cluster('a'), await cluster('b')];
		const sessions = new TlsSessionCache();
		await version(clientFor(a, sessions));
		const [[keyA, fromA, expiresAt]] = sessions.live();
		// The same CA, certificate and SNI: only the address differs, so A's ticket is what B is offered.
		const onB = new TlsSessionCache();
		onB.merge([[keyA.replace(new URL(a.server.url).host, new URL(b.server.url).host), fromA, expiresAt]]);
		expect(await version(clientFor(b, onB))).toMatch(/^v1\./);
		expect(b.server.connections).toMatchObject({accepted: 1, resumed: 0});
	});

	it('an expired session is not offered', async () => {
		const a = await cluster('a');
		let now = Date.now();
		const sessions = new TlsSessionCache(() => now);
		await version(clientFor(a, sessions));
		now += 7 * 86_400_000 + 60_000;
		await version(clientFor(a, sessions));
		expect(a.server.connections).toMatchObject({accepted: 2, resumed: 0});
	});

	it('keeps the sessions 0600 in a 0700 directory, and the next run resumes from the file', async () => {
		const a = await cluster('a');
		const file = tlsSessionFile(env('kept'));
		const first = loadTlsSessions(env('kept'), file)!;
		await version(clientFor(a, first));
		expect(saveTlsSessions(first, file)).toBe(true);
		expect(mode(file)).toBe(0o600);
		expect(mode(path.dirname(file))).toBe(0o700);

		await version(clientFor(a, loadTlsSessions(env('kept'), file)));
		expect(a.server.connections).toMatchObject({accepted: 2, resumed: 1});
	});

	it('a run reads only its kubeconfig\'s servers\' sessions, resumes them, and its save keeps the others', async () => {
		const [a, b] = [await cluster('a'), await cluster('b')];
		const file = tlsSessionFile(env('servers'));
		const first = loadTlsSessions(env('servers'), file)!;
		await version(clientFor(a, first));
		await version(clientFor(b, first));
		expect(saveTlsSessions(first, file)).toBe(true);

		const onlyA = sessionServers(loadKubeconfig({kubeconfig: writeKubeconfig(kubeconfigYaml(a.server.url, a.tokens.adminToken)).file}));
		expect([...onlyA]).toEqual([new URL(a.server.url).host]);
		const second = loadTlsSessions(env('servers'), file, onlyA)!;
		expect(second.live().map(([key]) => key.split('\0')[0])).toEqual([new URL(a.server.url).host]);
		await version(clientFor(a, second));
		expect(a.server.connections).toMatchObject({accepted: 2, resumed: 1});

		// That run's save (had a server sent it a new ticket) still holds b's session for the next run.
		const third = loadTlsSessions(env('servers'), file, onlyA)!;
		await version(clientFor(a, third));
		third.changed = true;
		expect(saveTlsSessions(third, file)).toBe(true);
		expect(mode(file)).toBe(0o600);
		await version(clientFor(b, loadTlsSessions(env('servers'), file)));
		expect(b.server.connections).toMatchObject({accepted: 2, resumed: 1});
	});

	it('ignores a damaged file or damaged sessions: full handshakes, the requests answer', async () => {
		const a = await cluster('a');
		const file = tlsSessionFile(env('damaged'));
		const seed = new TlsSessionCache();
		await version(clientFor(a, seed));
		saveTlsSessions(seed, file);
		const [[key]] = seed.live();

		fs.writeFileSync(file, '{"version":1,"sessions":[[', {mode: 0o600});
		expect(loadTlsSessions(env('damaged'), file)!.live()).toEqual([]);

		// A session whose structure still reads (it says when it expires) but that OpenSSL refuses (a
		// format version it does not know), one that does not read at all, and one that is no base64.
		const session = Buffer.from(seed.live()[0][1], 'base64');
		const header = session[1] & 0x80 ? 2 + (session[1] & 0x7f) : 2;
		const unknownVersion = Buffer.from(session);
		unknownVersion[header + 2] = 9;
		const cut = session.subarray(0, 60);
		const rows = [[key, unknownVersion.toString('base64'), Date.now() + 86_400_000]];
		fs.writeFileSync(file, JSON.stringify({version: 1, sessions: rows}), {mode: 0o600});
		expect(await version(clientFor(a, loadTlsSessions(env('damaged'), file)))).toMatch(/^v1\./);
		for (const bad of [cut.toString('base64'), 'not base64 at all!']) {
			fs.writeFileSync(file, JSON.stringify({version: 1, sessions: [[key, bad, Date.now() + 86_400_000]]}), {mode: 0o600});
			expect(await version(clientFor(a, loadTlsSessions(env('damaged'), file)))).toMatch(/^v1\./);
		}
		expect(a.server.connections).toMatchObject({accepted: 4, resumed: 0});
	});

	it('does not read or write sessions in a directory open to others', async () => {
		const a = await cluster('a');
		const file = tlsSessionFile(env('open'));
		fs.mkdirSync(path.dirname(file), {recursive: true, mode: 0o755});
		fs.chmodSync(path.dirname(file), 0o755);
		const sessions = loadTlsSessions(env('open'), file)!;
		await version(clientFor(a, sessions));
		expect(saveTlsSessions(sessions, file)).toBe(false);
		expect(fs.existsSync(file)).toBe(false);
	});

	it('keeps this run\'s sessions when the file holds more than the limit', async () => {
		const a = await cluster('a');
		const sessions = new TlsSessionCache(Date.now, 3);
		await version(clientFor(a, sessions));
		const [[key, base64, expiresAt]] = sessions.live();
		sessions.merge([1, 2, 3, 4].map(n => [`old-${n}`, base64, expiresAt] as [string, string, number]));
		expect(sessions.live().map(([k]) => k)).toEqual(['old-3', 'old-4', key]);
	});

	it('reads a session in either form Node hands out: the DER alone (Node 20) or wrapped (newer Node), and keeps the wrapper', async () => {
		const a = await cluster('a');
		const sessions = new TlsSessionCache();
		await version(clientFor(a, sessions));
		const [[, base64]] = sessions.live();
		const kept = Buffer.from(base64, 'base64');
		// This Node's own form is one of the two; make the other from it.
		const head = Buffer.concat([Buffer.from('\0nodejs:tls:session:1\0', 'latin1'), Buffer.from([0, 9]), Buffer.from('localhost')]);
		const nul = kept.indexOf(0, 1);
		const bare = kept[0] === 0 ? kept.subarray(nul + 3 + kept.readUInt16BE(nul + 1)) : kept;
		const wrapped = Buffer.concat([head, bare]);
		expect(sessionExpiry(wrapped)).toBe(sessionExpiry(bare));
		expect(sessionExpiry(bare)).toBeGreaterThan(Date.now());
		expect(withoutPeerCertificate(wrapped)).toEqual(Buffer.concat([head, withoutPeerCertificate(bare)!]));
		// A wrapper whose name runs past the end, or another program's bytes: no session.
		expect(sessionExpiry(Buffer.concat([head.subarray(0, head.length - 9), Buffer.from([0xff, 0xff])]))).toBeUndefined();
		expect(withoutPeerCertificate(Buffer.from('\0something:else\0\0\0', 'latin1'))).toBeUndefined();
	});

	it('reads a session lifetime only from what OpenSSL wrote', () => {
		expect(sessionExpiry(Buffer.from('not a session'))).toBeUndefined();
		expect(sessionExpiry(Buffer.alloc(0))).toBeUndefined();
	});
});
