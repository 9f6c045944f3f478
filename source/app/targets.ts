import type {Cluster, ContextCluster} from '../mcm/types.js';
import type {ActionContext} from './services.js';

// Which clusters a workflow key acts on: the marked ones, else the selected one. A remote-only row
// has no kubeconfig context, so nothing can change it from here.

export function targets(ctx: ActionContext, what: string): ContextCluster[] | undefined {
	const list: Cluster[] = ctx.marked.length ? ctx.marked : ctx.selected ? [ctx.selected] : [];
	if (list.length === 0) {
		ctx.flash(`select a cluster first (j/k), or mark several with space: ${what}`, 'warn');
		return undefined;
	}
	const remote = list.filter(c => c.remoteOnly);
	if (remote.length) {
		ctx.flash(`${remote.map(c => c.name).join(', ')} has no kubeconfig context here: ${what} needs one`, 'warn');
		return undefined;
	}
	return list as ContextCluster[];
}

export function single(ctx: ActionContext, what: string): ContextCluster | undefined {
	if (ctx.marked.length > 1) {
		ctx.flash(`${what} works on one cluster: unmark (esc) and select it`, 'warn');
		return undefined;
	}
	return targets(ctx, what)?.[0];
}
