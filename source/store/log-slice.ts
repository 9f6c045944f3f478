import type {StoreApi} from 'zustand/vanilla';
import type {LogLine} from '../mcm/types.js';

export type LogSlice = {
	/** Newest last; capped: the oldest lines fall off. */
	log: LogLine[];
	/** How many lines fell off the cap since start. */
	logDropped: number;
	addLog: (line: Omit<LogLine, 't'> & {t?: number}) => void;
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
			const {log, logDropped} = get();
			const next = [...log, {...line, t: line.t ?? Date.now()}];
			const over = Math.max(0, next.length - capacity);
			set({log: over ? next.slice(over) : next, logDropped: logDropped + over} as Partial<S>);
		},
	};
}
