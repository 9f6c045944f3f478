import type {Cluster} from '../mcm/types.js';

// The fleet as it is organised: each management cluster, then its managed clusters (their own
// contexts and the remote-only ones) indented under it, in the order the rows were sorted; every
// other cluster (standalone, bare, unknown, a managed one whose management cluster is not in the
// fleet) after the groups. When a filter or the unhealthy-only view hides a management cluster but
// keeps one of its managed clusters, the management row is still shown, as context, so that an
// indented row never sits under the wrong parent.

export type TreeLayout = {
	rows: Cluster[];
	/** 1 for a managed row under its management row; absent (0) otherwise. */
	depth: Map<string, number>;
	/** Rows shown only as the parent of a matching row (they did not match themselves). */
	context: Set<string>;
};

/** The management row a row belongs under, when that row is in the fleet. */
export function parentOf(c: Cluster, all: Record<string, Cluster>): string | undefined {
	const m = c.connection?.management;
	if (!m || m === c.id || c.role === 'management') return undefined;
	return all[m] ? m : undefined;
}

export function arrangeTree(sorted: readonly Cluster[], all: Record<string, Cluster>): TreeLayout {
	const children = new Map<string, Cluster[]>();
	const position = new Map<string, number>();
	sorted.forEach((c, i) => position.set(c.id, i));
	for (const c of sorted) {
		const parent = parentOf(c, all);
		if (!parent) continue;
		const list = children.get(parent);
		if (list) list.push(c);
		else children.set(parent, [c]);
	}
	const parents = new Set<string>(children.keys());
	for (const c of sorted) if (c.role === 'management') parents.add(c.id);
	// A group goes where its management row is in the sort, else where its first shown child is.
	const at = (id: string) => position.get(id) ?? position.get(children.get(id)![0]!.id)!;
	const groupOrder = [...parents].sort((a, b) => at(a) - at(b));
	const rows: Cluster[] = [];
	const depth = new Map<string, number>();
	const context = new Set<string>();
	for (const id of groupOrder) {
		const head = all[id]!;
		rows.push(head);
		if (!position.has(id)) context.add(id);
		for (const child of children.get(id) ?? []) {
			rows.push(child);
			depth.set(child.id, 1);
		}
	}
	for (const c of sorted) if (!parents.has(c.id) && !parentOf(c, all)) rows.push(c);
	return {rows, depth, context};
}
