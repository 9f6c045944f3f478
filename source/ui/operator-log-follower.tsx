import {useEffect} from 'react';
import {useUiContext} from './context.js';
import {useUiState} from './use-store.js';

// Follows the tigera-operator pod log while the log pane shows it. Lines are buffered and flushed
// to the store at most ten times a second: a chatty operator costs one render per flush.
export function OperatorLogFollower() {
	const {services, ui} = useUiContext();
	const cluster = useUiState(s => (s.logSource === 'operator' ? s.operatorLog?.cluster : undefined));
	useEffect(() => {
		if (!cluster || !services.followOperatorLog) return;
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
		const stop = services.followOperatorLog(cluster, {
			lines(lines) {
				if (stopped) return;
				buffer.push(...lines);
				timer ??= setTimeout(flush, 100);
			},
			status(text, failed = false) {
				if (stopped) return;
				const op = ui.getState().operatorLog;
				if (op && op.cluster === cluster) ui.getState().set({operatorLog: {...op, status: text, failed}});
			},
		});
		return () => {
			stopped = true;
			if (timer) clearTimeout(timer);
			stop();
		};
	}, [cluster, services, ui]);
	return null;
}
