import type {StoreApi} from 'zustand/vanilla';
import type {LogLine} from '../mcm/types.js';
import {appendCapped} from './capped-lines.js';

export type LogSlice = {
	/** Newest last; capped: the oldest lines fall off. */
	log: LogLine[];
	/** How many lines fell off the cap since start. */
	logDropped: number;
	addLog: (line: Omit<LogLine, 't'> & {t?: number}) => void;
	/** Several lines in one state update (a fleet flush that logs many changes at once). */
	addLogs: (lines: Array<Omit<LogLine, 't'> & {t?: number}>) => void;
};

export function createLogSlice<S extends LogSlice>(
	set: StoreApi<S>['setState'],
	get: StoreApi<S>['getState'],
	_api: StoreApi<S>,
	capacity: number,
): LogSlice {
	return {
		log: [],
		logDropped: 0,
		addLog(line) {
			get().addLogs([line]);
		},
		addLogs(lines) {
			if (lines.length === 0) return;
			const {log, logDropped} = get();
			const t = Date.now();
			const next = appendCapped({lines: log, dropped: logDropped}, lines.map(line => ({...line, t: line.t ?? t})), capacity);
			set({log: next.lines, logDropped: next.dropped} as Partial<S>);
		},
	};
}
