// Go-style durations as kubectl and the CLI flags take them: "10s", "5m", "1h30m", "250ms", "1.5s".
// A bare number is refused (kubectl's --request-timeout treats it as seconds, which surprises people;
// asking for the unit is clearer than guessing).

const unitMs: Record<string, number> = {
	ms: 1,
	s: 1000,
	m: 60_000,
	h: 3_600_000,
};

const part = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y;

/** Milliseconds for a duration string. Throws an Error naming the input and the accepted form. */
export function parseDuration(input: string, what = 'duration'): number {
	const text = input.trim();
	const fail = (why: string): never => {
		throw new Error(`invalid ${what} "${input}": ${why}; use a number with a unit (ms, s, m, h), e.g. 250ms, 10s, 5m, 1h30m`);
	};
	if (text === '') fail('it is empty');
	if (text === '0') return 0;
	if (/^\d+(\.\d+)?$/.test(text)) fail('it has no unit');
	let total = 0;
	part.lastIndex = 0;
	while (part.lastIndex < text.length) {
		const at = part.lastIndex;
		const match = part.exec(text);
		if (!match) fail(`cannot read "${text.slice(at)}"`);
		total += Number(match![1]) * unitMs[match![2]]!;
	}
	if (!Number.isFinite(total)) fail('it is too large');
	return Math.round(total);
}

/** A short human form of a duration in ms: 250ms, 10s, 1.5s, 5m, 1h30m. */
export function formatDuration(ms: number): string {
	if (ms < 1000) return `${Math.round(ms)}ms`;
	if (ms < 60_000) {
		const s = ms / 1000;
		return `${Number.isInteger(s) ? s : s.toFixed(1)}s`;
	}
	const totalS = Math.round(ms / 1000);
	const h = Math.floor(totalS / 3600);
	const m = Math.floor((totalS % 3600) / 60);
	const s = totalS % 60;
	return `${h ? `${h}h` : ''}${m ? `${m}m` : ''}${s ? `${s}s` : ''}` || '0s';
}
