// The small part of Kubernetes JSONPath that printer columns use: `.a.b`, `.a[0]`, `.a[*]`,
// `.a[?(@.type=="Ready")].status` (== and !=, single or double quotes), optionally wrapped in `{}`.
type Step = {kind: 'field'; name: string} | {kind: 'index'; index: number} | {kind: 'all'} | {kind: 'filter'; path: string[]; op: '==' | '!='; value: string};

function parse(expression: string): Step[] | undefined {
	let text = expression.trim();
	if (text.startsWith('{') && text.endsWith('}')) text = text.slice(1, -1).trim();
	if (text.startsWith('$')) text = text.slice(1);
	const steps: Step[] = [];
	let i = 0;
	while (i < text.length) {
		const ch = text[i];
		if (ch === '.') {
			const m = /^\.([A-Za-z0-9_\-$\\/]+)/.exec(text.slice(i));
			if (!m) return undefined;
			steps.push({kind: 'field', name: m[1].replaceAll('\\.', '.')});
			i += m[0].length;
		} else if (ch === '[') {
			const close = findClose(text, i);
			if (close < 0) return undefined;
			const inner = text.slice(i + 1, close).trim();
			i = close + 1;
			if (inner === '*') {
				steps.push({kind: 'all'});
			} else if (/^-?\d+$/.test(inner)) {
				steps.push({kind: 'index', index: Number(inner)});
			} else if (/^'.*'$|^".*"$/.test(inner)) {
				steps.push({kind: 'field', name: inner.slice(1, -1)});
			} else {
				const m = /^\?\(\s*@((?:\.[A-Za-z0-9_-]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|([^)\s]+))\s*\)$/.exec(inner);
				if (!m) return undefined;
				steps.push({kind: 'filter', path: m[1].slice(1).split('.'), op: m[2] as '==' | '!=', value: m[3] ?? m[4] ?? m[5]});
			}
		} else {
			return undefined;
		}
	}
	return steps;
}

function findClose(text: string, open: number): number {
	let quote: string | undefined;
	for (let j = open + 1; j < text.length; j++) {
		const c = text[j];
		if (quote) {
			if (c === quote) quote = undefined;
		} else if (c === '"' || c === "'") {
			quote = c;
		} else if (c === ']') {
			return j;
		}
	}
	return -1;
}

function child(value: unknown, name: string): unknown {
	return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

/** All values the expression selects (empty when nothing matches or the expression is not understood). */
export function evaluateJsonPath(root: unknown, expression: string): unknown[] {
	const steps = parse(expression);
	if (!steps) return [];
	let current: unknown[] = [root];
	for (const step of steps) {
		const next: unknown[] = [];
		for (const value of current) {
			if (step.kind === 'field') {
				const v = child(value, step.name);
				if (v !== undefined) next.push(v);
			} else if (step.kind === 'index') {
				if (Array.isArray(value)) {
					const v = value[step.index < 0 ? value.length + step.index : step.index];
					if (v !== undefined) next.push(v);
				}
			} else if (step.kind === 'all') {
				if (Array.isArray(value)) next.push(...value);
				else if (value !== null && typeof value === 'object') next.push(...Object.values(value));
			} else {
				const items = Array.isArray(value) ? value : [];
				for (const item of items) {
					let field: unknown = item;
					for (const p of step.path) field = child(field, p);
					const text = field === undefined || field === null ? undefined : String(field);
					if (step.op === '==' ? text === step.value : text !== undefined && text !== step.value) next.push(item);
				}
			}
		}
		current = next;
	}
	return current;
}
