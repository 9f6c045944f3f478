import fs from 'node:fs';
import path from 'node:path';
import {describe, expect, test} from 'vitest';
import {fleetRow, simFixture} from './workflow-helpers.js';

// The console keeps the tunnel certificate chains it verified, as `status` does (chain-verdict-file.ts):
// a 1,001-cluster start checked 1,000 signatures of the same certificates on every start. What a user
// sees must not change: the next start shows the same CERT column, from the chains kept (and the
// certificates' facts: certificate-facts-file.ts).

const sim = simFixture('chain-cache', ['--managed', '2', '--standalone', '0', '--bare', '0']);

describe('verified tunnel certificate chains between console starts', () => {
	test('a start keeps the chains it verified (private file); the next start trusts them and shows the same CERT column', async () => {
		const cache = path.join(sim.dir, 'cache');
		const file = path.join(cache, 'calico-mcm', 'chains', 'verified');
		const rows = async () => {
			const con = sim.console([], {env: {XDG_CACHE_HOME: cache}, cols: 130, rows: 30});
			try {
				await con.waitFor(() => ['managed-1', 'managed-2'].every(name => / ok 2y /.test(fleetRow(con, name))), 'both tunnel certificates checked');
				return ['managed-1', 'managed-2'].map(name => / ok 2y /.exec(fleetRow(con, name))?.[0]);
			} finally {
				con.kill('SIGTERM');
				await con.exited;
			}
		};
		const first = await rows();
		// One line a managed cluster: its leaf's and its CA's SHA-256, 0600 in a 0700 directory.
		const lines = fs.readFileSync(file, 'latin1').trim().split('\n');
		expect(lines).toHaveLength(2);
		for (const line of lines) expect(line).toMatch(/^[0-9a-f]{64}\/[0-9a-f]{64}$/);
		expect(fs.statSync(file).mode & 0o777).toBe(0o600);
		expect(fs.statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
		const written = fs.statSync(file).mtimeMs;
		// What the certificates said (certificate-facts-file.ts): the two tunnel certificates and the CAs.
		const factsFile = path.join(cache, 'calico-mcm', 'certs', 'facts');
		expect(fs.readFileSync(factsFile, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(3);
		expect(fs.statSync(factsFile).mode & 0o777).toBe(0o600);
		const factsWritten = fs.statSync(factsFile).mtimeMs;
		// Trusted, so nothing new to write; and the same verdicts on screen, from certificates not parsed again.
		expect(await rows()).toEqual(first);
		expect(fs.statSync(file).mtimeMs).toBe(written);
		expect(fs.statSync(factsFile).mtimeMs).toBe(factsWritten);
	}, 90_000);
});
