import type {KeyPress} from './keys.js';

// Who gets a key. The App reads the terminal once and hands every key, one at a time, to the
// top-most overlay that listens, or to the fleet's key handler when no overlay is open. An overlay
// that is open but not listening yet (it is being drawn, or it is still loading what it will ask)
// gets the keys typed meanwhile once it listens: nothing typed just after a prompt opens is lost.

export type KeySink = {
	handle: (press: KeyPress) => void;
	/** False while the sink cannot take keys yet (loading): they wait, except esc, which it gets. */
	ready: () => boolean;
};

export type KeyRouter = {
	/** Adds a sink on top; returns its removal. */
	register: (sink: KeySink) => () => void;
	/** An overlay is (or is no longer) on screen: keys wait for its sink rather than reach the fleet. */
	setOverlayOpen: (open: boolean) => void;
	/** Delivers one key: to the top sink, to the wait list, or to the fallback. */
	dispatch: (press: KeyPress, fallback: (press: KeyPress) => void) => void;
	/** A sink became ready: give it what waited. */
	flush: () => void;
	/** flush, on the next turn of the event loop (from a React effect). */
	flushSoon: () => void;
	/** Forget what waited (the overlay said no: a failed preflight must not take type-ahead as an answer). */
	discard: () => void;
	pending: () => number;
};

/** Type-ahead beyond this is a stuck key or a paste into nowhere; the oldest keys are kept. */
const maxPending = 256;

export function createKeyRouter(): KeyRouter {
	const sinks: KeySink[] = [];
	let waiting: KeyPress[] = [];
	let overlayOpen = false;
	let scheduled = false;
	const top = () => sinks.at(-1);
	const router: KeyRouter = {
		register(sink) {
			sinks.push(sink);
			// Not from inside React's commit (where this is called): a key handled there would update
			// state that is only drawn later, and the next key would see the old state.
			router.flushSoon();
			return () => {
				const i = sinks.lastIndexOf(sink);
				if (i !== -1) sinks.splice(i, 1);
			};
		},
		setOverlayOpen(open) {
			overlayOpen = open;
			if (!open) waiting = [];
		},
		dispatch(press, fallback) {
			const sink = top();
			if (!sink) {
				if (overlayOpen) {
					if (waiting.length < maxPending) waiting.push(press);
				} else fallback(press);
				return;
			}
			if (waiting.length > 0 || !sink.ready()) {
				if (press.key.escape && !press.paste) {
					// esc leaves a loading overlay at once; what was typed before it is dropped with it.
					waiting = [];
					sink.handle(press);
					return;
				}
				if (waiting.length < maxPending) waiting.push(press);
				router.flushSoon();
				return;
			}
			sink.handle(press);
		},
		flush() {
			// One key, then the next on a later turn: each key's change is drawn (React renders in a
			// microtask) and may bring another sink (enter moves a prompt on) before the next key.
			const sink = top();
			if (!sink || waiting.length === 0 || !sink.ready()) return;
			sink.handle(waiting.shift()!);
			router.flushSoon();
		},
		flushSoon() {
			if (waiting.length === 0 || scheduled) return;
			scheduled = true;
			setImmediate(() => {
				scheduled = false;
				router.flush();
			});
		},
		discard() {
			waiting = [];
		},
		pending: () => waiting.length,
	};
	return router;
}
