import type {UiStore} from '../store/ui-store.js';
import type {ConsoleServices} from './services.js';

// Feeds the followed tigera-operator pod log into the UI store while the log pane shows it. Lines
// are buffered and flushed at most ten times a second: a chatty operator costs one render per flush.

/** Starts following `cluster`'s operator log into `ui`; returns stop(). */
export function feedOperatorLog(follow: NonNullable<ConsoleServices['followOperatorLog']>, cluster: string, ui: UiStore): () => void {
	let buffer: string[] = [];
	let timer: NodeJS.Timeout | undefined;
	let stopped = false;
	const flush = () => {
		timer = undefined;
		if (stopped || buffer.length === 0) return;
		const lines = buffer;
		buffer = [];
		ui.getState().operatorLogLines(cluster, lines);
	};
	const stop = follow(cluster, {
		lines(lines) {
			if (stopped) return;
			buffer.push(...lines);
			timer ??= setTimeout(flush, 100);
		},
		status(text, failed = false) {
			if (!stopped) ui.getState().operatorLogStatus(cluster, text, failed);
		},
	});
	return () => {
		stopped = true;
		if (timer) clearTimeout(timer);
		stop();
	};
}
