// The list half of list+watch: every page of a collection, each page through the start gate.

import type {ClusterClient} from '../client.js';
import type {Cut} from '../cut.js';
import {waitStart} from './start-gate.js';
import {stopped} from './state.js';

type Page = {apiVersion?: string; kind?: string; metadata?: {resourceVersion?: string; continue?: string}; items?: unknown[]};

export type ListRequest = {
	path: string;
	query?: Record<string, string | undefined>;
	pageSize: number;
	requestTimeoutMs?: number;
	/** Stops the list between pages, at the start gate, and the page under way. */
	cut: Cut;
};

/** Every page of the list; items get the kind/apiVersion the server leaves out of list items. */
export async function listAll<T>(client: ClusterClient, request: ListRequest): Promise<{items: T[]; resourceVersion: string}> {
	const items: T[] = [];
	let continueToken: string | undefined;
	let rv = '';
	do {
		const page = await listPage(client, request, continueToken);
		// What the server sends is what the caller asked to watch.
		for (const item of withKind(page)) items.push(item as T);
		// The resourceVersion of the first page is the snapshot every later page belongs to.
		if (!rv) rv = page?.metadata?.resourceVersion ?? '';
		continueToken = page?.metadata?.continue || undefined;
	} while (continueToken && !request.cut.stopped);
	return {items, resourceVersion: rv};
}

async function listPage(client: ClusterClient, request: ListRequest, continueToken: string | undefined) {
	const {cut} = request;
	if (cut.stopped) throw stopped(client.context);
	const wait = waitStart('list');
	cut.hold(wait.withdraw);
	const release = await wait.admitted;
	cut.hold(undefined);
	if (!release) throw stopped(client.context);
	try {
		if (cut.stopped) throw stopped(client.context);
		return await client.request<Page>({
			path: request.path,
			query: {...request.query, limit: request.pageSize, continue: continueToken},
			onCut: (end) => cut.hold(end),
			timeoutMs: request.requestTimeoutMs,
		});
	} finally {
		cut.hold(undefined);
		release();
	}
}

/** The page's items, each with the kind and apiVersion of the list ("WidgetList" → "Widget"). */
function withKind(page: Page | undefined): unknown[] {
	const kind = page?.kind?.endsWith('List') ? page.kind.slice(0, -4) : undefined;
	return (page?.items ?? []).map((item) => {
		const object = item as Record<string, unknown>;
		if (kind && object && object.kind === undefined) object.kind = kind;
		if (page?.apiVersion && object && object.apiVersion === undefined) object.apiVersion = page.apiVersion;
		return object;
	});
}
