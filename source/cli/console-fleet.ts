import path from 'node:path';
import process from 'node:process';
import {osc52} from '../app/clipboard.js';
import {workflowActions, type WorkflowDeps} from '../app/console-actions.js';
import {diagsAction} from '../app/diags-action.js';
import {inspectServices} from '../app/inspect-services.js';
import {followOperatorLog} from '../app/operator-log.js';
import {RunController} from '../app/run-controller.js';
import type {ConsoleServices} from '../app/services.js';
import type {InstallInputs} from '../app/session.js';
import {createClients, type ClusterClient} from '../kube/client.js';
import type {FleetConfig} from '../kube/kubeconfig.js';
import type {TerminalLender} from '../kube/terminal.js';
import {InterruptedRuns, stateDirectory} from '../mcm/interrupted-runs.js';
import type {ManagedClusterNames} from '../mcm/managed-identity.js';
import {unknownContextError} from '../mcm/plans/common.js';
import type {AppStore} from '../store/store.js';
import type {UiStore} from '../store/ui-store.js';
import {probeIntervalsFor} from '../sync/api-probe.js';
import {startFleetSync, type FleetSync} from '../sync/fleet-sync.js';
import {certRefreshIntervalFor, startTunnelCertSync, type TunnelCertSync} from '../sync/tunnel-cert-sync.js';
import {useCertificateFacts} from './certificate-facts-file.js';
import {useChainVerdicts} from './chain-verdict-file.js';
import {withheldNotices} from './fleet-access.js';
import {reducesAfterLoad} from './reducing-collection.js';
import {collectOnceLoaded, collectsAfterLoad} from './settle-collection.js';
import {capYoungGeneration} from './young-generation.js';
import {loadTlsSessions, saveTlsSessions, sessionServers, tlsSessionFile} from './tls-session-file.js';

// The console's side that talks to clusters: clients, the fleet's watches, the run controller and the
// workflows' keys. console.tsx imports this module once the first frame is out: it is most of the
// program (the kube, mcm, app and sync layers, node:https, http2, tls and crypto), and none of it is
// needed to draw an empty console.

export function consoleServices(clients: ReadonlyMap<string, ClusterClient>, options: {readOnly: boolean; source: string; control?: RunController; workflow?: Omit<WorkflowDeps, 'control' | 'clients'>; store?: AppStore}): ConsoleServices {
	return {
		readOnly: options.readOnly,
		source: options.source,
		actions: [
			...(options.control && options.workflow ? workflowActions({...options.workflow, control: options.control, clients}) : []),
			...(options.store && options.workflow ? [diagsAction({clients, store: options.store, cwd: options.workflow.cwd})] : []),
		],
		...inspectServices(clients, options.workflow?.clipboard ?? (text => void process.stdout.write(osc52(text)))),
		followOperatorLog(clusterId, sink) {
			const client = clients.get(clusterId);
			if (!client) {
				sink.status(`no kubeconfig context for ${clusterId}`, true);
				return () => {};
			}
			return followOperatorLog(client, sink);
		},
	};
}

export type ConsoleFleetOptions = {
	store: AppStore;
	/** The screen's state: which clusters' rows are on screen (their API is probed more often). */
	ui: UiStore;
	/** Filled once the kubeconfig is read (start); everything looks clients up when used. */
	clients: Map<string, ClusterClient>;
	readOnly: boolean;
	/** What the title says the fleet comes from: `demo` or the kubeconfig's files. */
	source: string;
	demo: boolean;
	cwd: string;
	inputs: InstallInputs;
	waitTimeoutMs?: number;
	requestTimeoutMs: number;
	certRefreshMs?: number;
	managedClusterNames?: ManagedClusterNames;
	terminal: TerminalLender;
};

export type ConsoleFleet = {
	services: ConsoleServices;
	/** Makes the kubeconfig's clients and starts watching them; throws what createClients throws. */
	start: (config: FleetConfig) => void;
	stop: () => void;
};

export function consoleFleet(options: ConsoleFleetOptions): ConsoleFleet {
	const {store, clients, source, cwd} = options;
	const stateDir = stateDirectory();
	const control = new RunController({
		store,
		readOnly: options.readOnly,
		source,
		cwd,
		// The demo's fleet dies with the console: nothing to resume there.
		interrupted: options.demo ? undefined : new InterruptedRuns(stateDir, {onProblem: text => store.getState().addLog({level: 'warn', text})}),
		env: {
			client(context) {
				const client = clients.get(context);
				if (!client) throw unknownContextError(context, [...clients.keys()]);
				return client;
			},
			cwd,
			secretsDir: path.join(stateDir, 'secrets'),
			...(options.waitTimeoutMs === undefined ? {} : {waitTimeoutMs: options.waitTimeoutMs}),
		},
	});
	const services = consoleServices(clients, {
		readOnly: options.readOnly,
		source,
		control,
		store,
		workflow: {inputs: options.inputs, cwd, tokenDir: path.join(stateDir, 'secrets'), clipboard: text => process.stdout.write(osc52(text))},
	});
	const offerAbort = new AbortController();
	const offerInterrupted = () =>
		void control.offerInterrupted(cluster => clients.has(cluster), offerAbort.signal).then(
			n => n > 0 && store.getState().addLog({level: 'warn', text: `${n} run${n === 1 ? '' : 's'} of an earlier session did not finish: the steps pane lists each (cluster, plan, steps done, start); press r there to resume one or all`}),
			() => undefined,
		);
	let sync: FleetSync | undefined;
	let certs: TunnelCertSync | undefined;
	let unfocus: (() => void) | undefined;
	let tlsSessions: ReturnType<typeof loadTlsSessions>;
	let saveChains: (() => boolean) | undefined;
	let saveFacts: (() => boolean) | undefined;
	let stopped = false;
	return {
		services,
		start(config) {
			// The fleet's handshakes resume the sessions of the last run (tls-session-file.ts); the demo's servers are new every time.
			tlsSessions = options.demo ? undefined : loadTlsSessions(process.env, tlsSessionFile(), sessionServers(config));
			// Each managed cluster's tunnel certificate chain, verified by an earlier run (status or console),
			// is not checked again (chain-verdict-file.ts), nor its certificates parsed again
			// (certificate-facts-file.ts); the demo's certificates are new every time.
			saveChains = options.demo ? undefined : useChainVerdicts();
			saveFacts = options.demo ? undefined : useCertificateFacts();
			for (const [name, client] of createClients(config, {requestTimeoutMs: options.requestTimeoutMs, terminal: options.terminal, tlsSessions})) clients.set(name, client);
			store.getState().addLog({level: 'info', text: `${options.demo ? 'demo fleet: ' : ''}watching ${clients.size} context${clients.size === 1 ? '' : 's'} from ${source}${options.readOnly ? ' (read-only)' : ''}`});
			for (const text of withheldNotices(clients)) store.getState().addLog({level: 'warn', text});
			offerInterrupted();
			const fleetSync = startFleetSync({store, clients, probeMs: probeIntervalsFor(clients.size), managedClusterNames: options.managedClusterNames});
			sync = fleetSync;
			// Every cluster has answered (or failed) its first lists: the tickets of their handshakes are in.
			void fleetSync.ready().then(() => {
				saveTlsSessions(tlsSessions);
				saveChains?.();
				saveFacts?.();
			});
			// Where the settle collection below shrinks the young generation to its smallest once the load
			// is in (a big fleet on Node 20), the young generation is capped only then, not during the load
			// (young-generation.ts): the load's scavenges at 16 MB semi-spaces are about half as many as at
			// 8 MB, and the cap then keeps it from growing past 8 MB again. Set before that collection runs:
			// it waits for ready() and then for the watch streams to open. Elsewhere nothing shrinks it: capped now.
			if (collectsAfterLoad(clients.size) && reducesAfterLoad()) void fleetSync.ready().then(() => !stopped && capYoungGeneration(8));
			else capYoungGeneration(8);
			// On a big fleet the load's garbage is collected then, not ~30-100 s later (settle-collection.ts).
			collectOnceLoaded(fleetSync, clients.size, {stopped: () => stopped});
			// The rows on screen and the selected one are probed more often than the rest (sync/api-probe.ts).
			const focusProbes = () => {
				const onScreen = options.ui.getState().onScreen;
				if (onScreen) fleetSync.setProbeFocus(onScreen);
			};
			focusProbes();
			unfocus = options.ui.subscribe((state, previous) => state.onScreen !== previous.onScreen && focusProbes());
			certs = startTunnelCertSync({store, clients, sync, intervalMs: options.certRefreshMs ?? (options.demo ? 5000 : certRefreshIntervalFor(clients.size))});
		},
		stop() {
			stopped = true;
			offerAbort.abort();
			control.dispose();
			unfocus?.();
			certs?.stop();
			sync?.stop();
			saveTlsSessions(tlsSessions);
			saveChains?.();
			saveFacts?.();
		},
	};
}
