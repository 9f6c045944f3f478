// The console's workflow keys, built from the plans: each action asks its questions, shows the
// preflight checklist and the confirmation (steps, kubectl, YAML), then hands the plan to RunControl,
// which the steps pane's keys drive. Everything that reads a cluster happens here or in the plans;
// the overlays in source/ui/workflows only call the functions they are given.

import {setMaxListeners} from 'node:events';
import path from 'node:path';
import yaml from 'js-yaml';
import type {ClusterClient} from '../kube/client.js';
import {ensurePrivateDirectory, writeErrorReason} from '../mcm/atomic-file.js';
import {checkAddress, preflight, validateAddress} from '../mcm/preflight.js';
import {maskObject, maskText, maskToken, writeSecretFile} from '../mcm/secrets.js';
import type {Plan, PreflightItem} from '../mcm/step.js';
import type {Cluster, RunProgress} from '../mcm/types.js';
import type {ActionContext, ConsoleAction} from '../ui/services.js';
import {TokenView} from '../ui/workflows/token-view.js';
import type {FormField, PreparedRun, TokenHandle, Workflow} from '../ui/workflows/types.js';
import {WorkflowView} from '../ui/workflows/workflow-view.js';
import {createElement} from 'react';
import {suggestManagementAddresses} from './management-address.js';
import type {PlanRequest, RunControl} from './run-control.js';

export type InstallInputs = {manifests?: string; pullSecret?: string; license?: string};

export type WorkflowDeps = {
	control: RunControl;
	clients: ReadonlyMap<string, ClusterClient>;
	/** Defaults of the install prompts (--manifests, --pull-secret, --license; the demo's files under --demo). */
	inputs: InstallInputs;
	cwd: string;
	/** A private (0700) directory for the tokens create-admin requests. */
	tokenDir: string;
	/** Writes an OSC 52 sequence to the user's terminal. */
	clipboard: (text: string) => void;
	/** How many clusters of a batch run at once. */
	concurrency?: number;
};

/** Answers remembered for the session: asked once, offered again as the default. */
type Session = InstallInputs & {role?: string; user?: string; grantRole?: string; management?: string};

async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
	const out: R[] = new Array(items.length);
	let next = 0;
	await Promise.all(
		Array.from({length: Math.min(limit, items.length)}, async () => {
			while (next < items.length) {
				const i = next++;
				out[i] = await fn(items[i]!);
			}
		}),
	);
	return out;
}

/** The marked clusters, else the selected one; rows without a kubeconfig context cannot be changed. */
function targets(ctx: ActionContext, what: string): Cluster[] | undefined {
	const list = ctx.marked.length ? ctx.marked : ctx.selected ? [ctx.selected] : [];
	if (list.length === 0) {
		ctx.flash(`select a cluster first (j/k), or mark several with space: ${what}`, 'warn');
		return undefined;
	}
	const remote = list.filter(c => c.remoteOnly || !c.context);
	if (remote.length) {
		ctx.flash(`${remote.map(c => c.name).join(', ')} has no kubeconfig context here: ${what} needs one`, 'warn');
		return undefined;
	}
	return list;
}

function single(ctx: ActionContext, what: string): Cluster | undefined {
	if (ctx.marked.length > 1) {
		ctx.flash(`${what} works on one cluster: unmark (esc) and select it`, 'warn');
		return undefined;
	}
	return targets(ctx, what)?.[0];
}

const required = (what: string) => (value: string) => (value ? undefined : `${what} is needed`);

export function workflowActions(deps: WorkflowDeps): ConsoleAction[] {
	const session: Session = {...deps.inputs};
	const {control} = deps;
	// Our overlays only: a token ready while the user answers another prompt waits for a key.
	let overlayOpen = false;

	const open = (ctx: ActionContext, render: (size: {width: number; height: number}, close: () => void) => ReturnType<typeof createElement>) => {
		overlayOpen = true;
		ctx.openOverlay(({width, height, close}) =>
			render({width, height}, () => {
				overlayOpen = false;
				close();
			}),
		);
	};

	const openWorkflow = (ctx: ActionContext, workflow: Workflow) => open(ctx, ({width, height}, close) => createElement(WorkflowView, {workflow, width, height, close}));

	/** Plans for the requests, as one confirmable run; a string names what is wrong. */
	const prepare = (ctx: ActionContext, requests: PlanRequest[], extra: {typeToConfirm?: string; onDone?: (result: RunProgress, plan: Plan) => void} = {}): PreparedRun | string => {
		let plans: Plan[];
		try {
			plans = requests.map(r => control.build(r));
		} catch (error) {
			return error instanceof Error ? error.message : String(error);
		}
		const first = plans[0]!;
		const several = plans.length > 1;
		return {
			title: several ? `${first.id} on ${plans.length} clusters` : first.title,
			question: several ? `${first.confirm.replace(/\?$/, '')} — and the same for ${plans.slice(1).map(p => p.cluster).join(', ')}?` : `${first.confirm}${first.destructive ? ' This changes the cluster type.' : ''}`,
			typeToConfirm: extra.typeToConfirm,
			clusters: plans.map(p => p.cluster),
			steps: first.steps.map(s => ({title: s.title, kubectl: maskText(s.kubectl), skippable: s.skippable ?? false})),
			async preflight(signal) {
				// Dozens of requests share it (one per permission check): not a leak.
				setMaxListeners(0, signal);
				const results = await mapLimit(plans, deps.concurrency ?? 3, plan => preflight(plan, {signal, log: () => undefined}));
				const items: PreflightItem[] = results.flatMap((r, i) => (several ? r.items.map(item => ({...item, label: `${plans[i]!.cluster}: ${item.label}`})) : r.items));
				return {ok: results.every(r => r.ok), items: items.map(i => ({...i, message: maskText(i.message)}))};
			},
			async preview(signal) {
				setMaxListeners(0, signal);
				const out: string[] = [];
				for (const plan of several ? plans : [first]) {
					for (const [i, step] of plan.steps.entries()) {
						if (!step.preview) continue;
						const p = await step.preview({signal, log: () => undefined}).catch((error: unknown) => ({note: `preview failed: ${(error as Error).message}`, objects: undefined, deletes: undefined}));
						out.push(`# ${plan.cluster} · step ${i + 1}. ${step.title}`);
						for (const obj of p.objects ?? []) out.push(yaml.dump(maskObject(obj), {lineWidth: -1, noRefs: true}).trimEnd(), '---');
						for (const d of p.deletes ?? []) out.push(`# deletes ${d}`);
						if (p.note) out.push(`# ${maskText(p.note)}`);
					}
				}
				return out.length ? out.join('\n') : '# this plan applies no YAML (it only reads, waits, or writes a file)';
			},
			start() {
				if (several) control.startBatch(requests.map((request, i) => ({request, plan: plans[i]!})));
				else control.start(requests[0]!, first, extra.onDone);
				ctx.ui.getState().set({focus: 'steps', stepsFollow: true, stepsTop: 0});
				ctx.flash(`started ${several ? `${first.id} on ${plans.length} clusters` : first.title}: esc cancels, r retries, 1 back to the fleet`, 'info');
			},
		};
	};

	const showToken = (ctx: ActionContext, plan: Plan, user: string) => {
		const raw = plan.outputs().find(o => o.label === 'login token' && o.secret)?.value;
		if (!raw) return;
		const expires = plan.outputs().find(o => o.label === 'token expires')?.value;
		const token: TokenHandle = {
			cluster: plan.cluster,
			user,
			masked: maskToken(raw),
			expires,
			defaultPath: path.join(deps.cwd, `${plan.cluster}-${user}.token`),
			copy() {
				deps.clipboard(raw);
				return 'copied to the clipboard of your terminal (OSC 52); nothing was written to the log';
			},
			write(file, options) {
				const target = path.resolve(deps.cwd, file);
				try {
					writeSecretFile(target, `${raw}\n`, {overwrite: options?.overwrite === true});
				} catch (error) {
					if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`${target} exists already`), {code: 'EEXIST'});
					throw new Error(`cannot write ${target}: ${writeErrorReason(error)}; choose a writable path`);
				}
				return `written to ${target} (mode 0600)`;
			},
		};
		if (overlayOpen) {
			ctx.flash(`the login token of ${user} on ${plan.cluster} is ready: press a on ${plan.cluster} to see it`, 'info');
			return;
		}
		open(ctx, ({width, height}, close) => createElement(TokenView, {token, width, height, onClose: close}));
	};

	const install: ConsoleAction = {
		key: 'i',
		title: 'install',
		description: 'install Calico Enterprise (role, manifests, pull secret, license)',
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const list = targets(ctx, 'install');
			if (!list) return;
			const fields: FormField[] = [
				{kind: 'select', key: 'role', label: 'Role', initial: session.role, options: ['management', 'standalone', 'managed'].map(r => ({label: r, value: r}))},
				{kind: 'text', key: 'manifests', label: 'Release manifests (directory or URL)', initial: session.manifests, validate: required('the manifests')},
				{kind: 'text', key: 'pullSecret', label: 'Pull secret (dockerconfigjson file)', initial: session.pullSecret, validate: required('the pull secret')},
				{kind: 'text', key: 'license', label: 'License (license.yaml; empty: none)', initial: session.license, when: v => v.role !== 'managed'},
			];
			openWorkflow(ctx, {
				title: `Install Calico Enterprise on ${list.map(c => c.name).join(', ')}`,
				fields,
				prepare(values) {
					Object.assign(session, {role: values.role, manifests: values.manifests, pullSecret: values.pullSecret, ...(values.role === 'managed' ? {} : {license: values.license})});
					const role = values.role as 'management' | 'standalone' | 'managed';
					return prepare(
						ctx,
						list.map(c => ({id: 'install', options: {context: c.context!, role, manifests: values.manifests!, pullSecret: values.pullSecret!, license: role === 'managed' ? undefined : values.license || undefined}})),
					);
				},
			});
		},
	};

	const makeManagement: ConsoleAction = {
		key: 'm',
		title: 'make management',
		description: 'turn the cluster into a management cluster (address suggested from nodes / load balancer)',
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const cluster = single(ctx, 'make management');
			if (!cluster) return;
			const client = deps.clients.get(cluster.context!);
			openWorkflow(ctx, {
				title: `Make ${cluster.name} a management cluster`,
				async fields(signal) {
					const suggestions = client ? await suggestManagementAddresses(client, signal).catch(() => []) : [];
					const first = suggestions[0];
					return [
						{kind: 'select', key: 'service', label: 'Expose the tunnel endpoint with a', initial: first?.service ?? 'nodeport', options: [{label: 'NodePort service (node address + port 30449)', value: 'nodeport'}, {label: 'LoadBalancer service (its ingress, port 9449)', value: 'loadbalancer'}]},
						{
							kind: 'text',
							key: 'address',
							label: 'Address managed clusters dial (host:port)',
							hint: first ? `suggested: ${first.why}` : 'empty: chosen from the cluster when the step runs',
							initial: first?.address ?? '',
							suggestions: suggestions.map(s => s.address),
							validate: value => (value === '' ? undefined : (validateAddress(value) ?? undefined)),
						},
					];
				},
				prepare(values) {
					if (values.address && !checkAddress(values.address).ok) return checkAddress(values.address).message;
					return prepare(ctx, [{id: 'make-management', options: {context: cluster.context!, address: values.address || undefined, service: values.service as 'nodeport' | 'loadbalancer'}}]);
				},
			});
		},
	};

	const join: ConsoleAction = {
		key: 'J',
		title: 'join',
		description: 'join as managed to a management cluster of the fleet (several marked: 3 at a time). J: j moves down, as in k9s',
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const list = targets(ctx, 'join');
			if (!list) return;
			const ids = new Set(list.map(c => c.id));
			const managements = Object.values(ctx.store.getState().clusters)
				.filter(c => c.role === 'management' && !c.remoteOnly && c.context && !ids.has(c.id))
				.sort((a, b) => a.name.localeCompare(b.name));
			if (managements.length === 0) {
				ctx.flash('no management cluster in the fleet to join: make one first (m)', 'warn');
				return;
			}
			const preferred = managements.find(c => c.context === session.management)?.context;
			openWorkflow(ctx, {
				title: `Join ${list.map(c => c.name).join(', ')} as managed`,
				fields: [{kind: 'select', key: 'management', label: 'Management cluster', initial: preferred, options: managements.map(c => ({label: `${c.name}${c.version ? ` (${c.version})` : ''}`, value: c.context!}))}],
				prepare(values) {
					session.management = values.management;
					const install = session.manifests && session.pullSecret ? {manifests: session.manifests, pullSecret: session.pullSecret} : {};
					return prepare(
						ctx,
						list.map(c => ({id: 'join', options: {context: c.context!, management: values.management!, ...install}})),
					);
				},
			});
		},
	};

	const createAdmin: ConsoleAction = {
		key: 'a',
		title: 'admin user',
		description: 'create the admin user and its login token (masked; then c copies it by OSC 52, w writes a 0600 file)',
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const cluster = single(ctx, 'create the admin user');
			if (!cluster) return;
			openWorkflow(ctx, {
				title: `Admin user on ${cluster.name}`,
				fields: [{kind: 'text', key: 'user', label: 'Service account (user)', initial: session.user ?? 'mcm-user', validate: required('a user name')}],
				prepare(values) {
					session.user = values.user;
					const user = values.user!;
					try {
						ensurePrivateDirectory(deps.tokenDir);
					} catch (error) {
						return `cannot create ${deps.tokenDir} for the token: ${writeErrorReason(error)}`;
					}
					const tokenFile = path.join(deps.tokenDir, `${cluster.context}-${user}.token`);
					return prepare(ctx, [{id: 'create-admin', options: {context: cluster.context!, user, tokenFile, showToken: true}}], {
						onDone: (result, plan) => (result.state === 'done' ? showToken(ctx, plan, user) : undefined),
					});
				},
			});
		},
	};

	const grant: ConsoleAction = {
		key: 'g',
		title: 'grant',
		description: 'grant a user a cluster role (defaults mcm-user / tigera-network-admin)',
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const list = targets(ctx, 'grant');
			if (!list) return;
			openWorkflow(ctx, {
				title: `Grant access on ${list.map(c => c.name).join(', ')}`,
				fields: [
					{kind: 'text', key: 'user', label: 'User (service account in namespace default)', initial: session.user ?? 'mcm-user', validate: required('a user')},
					{kind: 'text', key: 'role', label: 'Cluster role', initial: session.grantRole ?? 'tigera-network-admin', validate: required('a role')},
				],
				prepare(values) {
					session.user = values.user;
					session.grantRole = values.role;
					return prepare(ctx, list.map(c => ({id: 'grant', options: {context: c.context!, user: values.user, role: values.role}})));
				},
			});
		},
	};

	const standalone: ConsoleAction = {
		key: 'u',
		title: 'back to standalone',
		description: "change a managed or management cluster back to standalone (type the cluster's name to confirm)",
		mutating: true,
		panes: ['fleet'],
		startsPlan: true,
		run(ctx) {
			const cluster = single(ctx, 'back to standalone');
			if (!cluster) return;
			let request: PlanRequest;
			if (cluster.role === 'managed' || cluster.role === 'misconfigured') {
				const management = cluster.connection?.management;
				const known = management && deps.clients.has(management) ? management : undefined;
				request = {id: 'unmanage', options: {context: cluster.context!, management: known, name: known ? cluster.connection?.managedName : undefined}};
			} else if (cluster.role === 'management') {
				request = {id: 'unmake-management', options: {context: cluster.context!}};
			} else {
				ctx.flash(`${cluster.name} is ${cluster.role}: there is no managed or management role to undo`, 'warn');
				return;
			}
			openWorkflow(ctx, {
				title: `${cluster.name} back to standalone`,
				fields: [],
				prepare: () => prepare(ctx, [request], {typeToConfirm: cluster.name}),
			});
		},
	};

	const retry: ConsoleAction = {
		key: 'r',
		title: 'retry / resume',
		description: 'run the shown plan again (failed, cancelled or interrupted): it resumes where the cluster is',
		mutating: true,
		run: ctx => ctx.flash(control.retry(), 'info'),
	};
	const skip: ConsoleAction = {
		key: 's',
		title: 'skip step',
		description: 'skip the failed step of the shown plan, where the step allows it (then r)',
		mutating: true,
		panes: ['steps'],
		run: ctx => ctx.flash(control.skip(), 'info'),
	};
	const cancel: ConsoleAction = {
		key: 'escape',
		title: 'cancel',
		description: 'cancel the shown plan (or batch): the running step is marked cancelled',
		mutating: false,
		panes: ['steps'],
		run: ctx => ctx.flash(control.cancel(), 'warn'),
	};

	return [install, makeManagement, join, createAdmin, grant, standalone, retry, skip, cancel];
}
