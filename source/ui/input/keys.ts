import type {Key} from 'ink';

// One read from the terminal can hold many key presses: a paste, fast typing over SSH, tmux
// send-keys, key repeat on a busy machine. ink hands us escape sequences separately but leaves a
// run of plain characters (or of DELs) as one string, so every consumer would see "abc\r" or three
// Backspaces as one key. This splits a chunk into single key presses, with the same Key fields ink
// uses, and keeps a bracketed paste (ESC[200~ … ESC[201~) as one paste of text.

export type KeyPress = {input: string; key: Key; paste?: boolean};

const ESC = '\u001B';
const pasteStart = `${ESC}[200~`;
const pasteEnd = `${ESC}[201~`;

export function blankKey(): Key {
	return {
		upArrow: false,
		downArrow: false,
		leftArrow: false,
		rightArrow: false,
		pageDown: false,
		pageUp: false,
		home: false,
		end: false,
		return: false,
		escape: false,
		ctrl: false,
		shift: false,
		tab: false,
		backspace: false,
		delete: false,
		meta: false,
		super: false,
		hyper: false,
		capsLock: false,
		numLock: false,
	};
}

function press(input: string, fields: Partial<Key> = {}): KeyPress {
	return {input, key: {...blankKey(), ...fields}};
}

/** A printable character, a control character or DEL. */
function single(ch: string): KeyPress {
	const code = ch.codePointAt(0)!;
	if (ch === '\r' || ch === '\n') return press('', {return: true});
	if (ch === '\t') return press('', {tab: true});
	if (code === 0x7f || code === 0x08) return press('', {backspace: true});
	if (code === 0) return press(' ', {ctrl: true});
	if (code < 0x20) return press(String.fromCharCode(code + 96), {ctrl: true});
	return press(ch, {shift: /[A-Z]/.test(ch)});
}

const csiFinal: Record<string, Partial<Key>> = {A: {upArrow: true}, B: {downArrow: true}, C: {rightArrow: true}, D: {leftArrow: true}, H: {home: true}, F: {end: true}, Z: {tab: true, shift: true}};
const tilde: Record<string, Partial<Key>> = {'1': {home: true}, '7': {home: true}, '4': {end: true}, '8': {end: true}, '3': {delete: true}, '5': {pageUp: true}, '6': {pageDown: true}};

/** Modifiers of a CSI parameter like `1;5` (xterm: 1 + shift 1, alt 2, ctrl 4). */
function modifiers(param: string | undefined): Partial<Key> {
	const m = Number(param ?? '1') - 1;
	if (!(m > 0)) return {};
	return {...(m & 1 ? {shift: true} : {}), ...(m & 2 ? {meta: true} : {}), ...(m & 4 ? {ctrl: true} : {})};
}

/** An escape sequence at `start` (text[start] is ESC): the key and where the next one begins. */
function escapeSequence(text: string, start: number): {press?: KeyPress; next: number} {
	const kind = text[start + 1];
	if (kind === undefined) return {press: press('', {escape: true, meta: true}), next: start + 1};
	if (kind === '[') {
		let i = start + 2;
		while (i < text.length && /[0-9;?<=>]/.test(text[i]!)) i++;
		if (i >= text.length) return {next: text.length};
		const params = text.slice(start + 2, i).split(';');
		const final = text[i]!;
		const mods = modifiers(params[1]);
		const fields = final === '~' ? tilde[params[0] ?? ''] : csiFinal[final];
		// An unknown sequence (F-keys, focus reports) is not a key the console knows: dropped whole.
		return {press: fields ? press('', {...fields, ...mods}) : undefined, next: i + 1};
	}
	if (kind === 'O') {
		const final = text[start + 2];
		const fields = final ? csiFinal[final] : undefined;
		return {press: fields ? press('', fields) : undefined, next: Math.min(text.length, start + 3)};
	}
	if (kind === ESC) {
		// ESC ESC: a lone escape, then whatever follows.
		return {press: press('', {escape: true, meta: true}), next: start + 1};
	}
	// Alt (meta) + a character.
	const ch = String.fromCodePoint(text.codePointAt(start + 1)!);
	const base = single(ch);
	return {press: {input: base.input, key: {...base.key, meta: true}}, next: start + 1 + ch.length};
}

/** A reader for one input stream: a bracketed paste may span several chunks. */
export function createKeyReader(): {read: (chunk: string) => KeyPress[]} {
	let paste: string | undefined;
	return {
		read(chunk) {
			const out: KeyPress[] = [];
			let i = 0;
			while (i < chunk.length) {
				if (paste !== undefined) {
					const end = chunk.indexOf(pasteEnd, i);
					paste += chunk.slice(i, end === -1 ? chunk.length : end);
					if (end === -1) break;
					out.push({input: paste, key: blankKey(), paste: true});
					paste = undefined;
					i = end + pasteEnd.length;
					continue;
				}
				if (chunk.startsWith(pasteStart, i)) {
					paste = '';
					i += pasteStart.length;
					continue;
				}
				if (chunk[i] === ESC) {
					const {press: p, next} = escapeSequence(chunk, i);
					if (p) out.push(p);
					i = next;
					continue;
				}
				const ch = String.fromCodePoint(chunk.codePointAt(i)!);
				out.push(single(ch));
				i += ch.length;
			}
			return out;
		},
	};
}

/** Every key of one chunk (no paste state kept): for tests and one-off use. */
export function splitKeys(chunk: string): KeyPress[] {
	return createKeyReader().read(chunk);
}
