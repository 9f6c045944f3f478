// The benchmark at tiny sizes, so that it cannot rot: every measure runs against the real simulator,
// console, kubectl and plans, and the harness must produce a well-formed report with every measure
// present (or skipped with its reason). No timing is asserted here: speed targets live in the bench.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {cliPath} from '../../bench/harness.js';
import {markdownReport, markdownTable, measures, runBench, writeReport, type BenchReport} from '../../bench/run.js';

const logs: string[] = [];

describe('npm run bench -- --quick', () => {
	it('runs every measure and reports each with figures, or with the reason it could not', async () => {
		expect(fs.existsSync(cliPath), `${cliPath} is missing: the bench runs the built CLI (npx tsc -p .)`).toBe(true);
		const report: BenchReport = await runBench({quick: true, log: line => logs.push(line)});

		expect(report.measures.map(m => m.name)).toEqual(measures.map(m => m.name));
		for (const m of report.measures) {
			const context = `${m.name}: ${m.status} ${m.reason ?? ''}\n${logs.join('\n')}`;
			expect(m.status, context).not.toBe('error');
			if (m.status === 'skipped') {
				expect(m.reason, context).toMatch(/\S/);
				continue;
			}
			expect(m.rows.length, context).toBeGreaterThan(0);
			for (const r of m.rows) {
				expect(r.id.startsWith(`${m.name}.`), `${r.id} belongs to ${m.name}`).toBe(true);
				expect(r.measure, r.id).toMatch(/\S/);
				expect(r.what, r.id).toMatch(/\S/);
				for (const f of [r.console, r.peer]) {
					if (!f) continue;
					expect(Number.isFinite(f.median), `${r.id}: median ${f.median}`).toBe(true);
					expect(f.min <= f.median && f.median <= f.max, `${r.id}: ${f.min} <= ${f.median} <= ${f.max}`).toBe(true);
					expect(f.n).toBeGreaterThan(0);
					expect(f.unit, r.id).toMatch(/\S/);
				}
				// A row has a figure, or is a check with its verdict, or says why its peer is missing.
				expect(Boolean(r.console) || r.pass !== undefined || Boolean(r.note), r.id).toBe(true);
				if (r.target?.value !== undefined) expect(typeof r.pass, `${r.id} has a target and must have a verdict`).toBe('boolean');
				const against = r.ratioOn === 'p99' ? r.peer?.p99 : r.peer?.median;
				if (r.console && against !== undefined && against > 0) expect(Number.isFinite(r.ratio), `${r.id}: ratio`).toBe(true);
			}
		}
		expect(new Set(report.measures.flatMap(m => m.rows.map(r => r.id))).size).toBe(report.measures.reduce((n, m) => n + m.rows.length, 0));

		// The table names every row and every measure that did not run, with its reason.
		const table = markdownTable(report);
		for (const m of report.measures) {
			if (m.status === 'ok') for (const r of m.rows) expect(table).toContain(r.measure);
			else expect(table).toContain(`${m.status}: ${m.reason ?? ''}`.slice(0, 40));
		}

		// What `npm run bench` writes: results.json reads back as the same report, RESULTS.md has the table.
		const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'calico-mcm-bench-smoke-'));
		try {
			writeReport(report, dir);
			expect(JSON.parse(fs.readFileSync(path.join(dir, 'results.json'), 'utf8'))).toEqual(JSON.parse(JSON.stringify(report)));
			const md = fs.readFileSync(path.join(dir, 'RESULTS.md'), 'utf8');
			expect(md).toContain('## How to reproduce');
			expect(md).toContain(table);
			expect(md).toBe(markdownReport(report));
		} finally {
			fs.rmSync(dir, {recursive: true, force: true});
		}
	}, 12 * 60_000);
});
