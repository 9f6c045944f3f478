import {describe, expect, test} from 'vitest';
import {createKeyReader, splitKeys} from '../../source/ui/input/keys.js';
import {editLine, lineAt, type LineState} from '../../source/ui/input/line-edit.js';
import {createKeyRouter} from '../../source/ui/input/key-router.js';

const names = (chunk: string) =>
	splitKeys(chunk).map(({input, key, paste}) => (paste ? `paste:${input}` : key.return ? 'enter' : key.backspace ? 'bs' : key.escape ? 'esc' : key.upArrow ? 'up' : key.leftArrow ? 'left' : key.home ? 'home' : key.end ? 'end' : key.delete ? 'del' : key.tab ? (key.shift ? 'shift-tab' : 'tab') : key.ctrl ? `ctrl-${input}` : key.meta ? `meta-${input}` : input));

describe('splitting a read into keys', () => {
	test('text and enter, DELs, control keys and escape sequences in one chunk are separate keys', () => {
		expect(names('ab-1\r')).toEqual(['a', 'b', '-', '1', 'enter']);
		expect(names('\u007F\u007F\u007F')).toEqual(['bs', 'bs', 'bs']);
		expect(names('\u0015x\u0017')).toEqual(['ctrl-u', 'x', 'ctrl-w']);
		expect(names('\u001B[Aq\u001B[1~\u001B[4~\u001B[3~\u001B[D\u001B[Z\u001BOH\t')).toEqual(['up', 'q', 'home', 'end', 'del', 'left', 'shift-tab', 'home', 'tab']);
		expect(names('\u001B')).toEqual(['esc']);
		expect(names('\u001Bb')).toEqual(['meta-b']);
		expect(names('é→')).toEqual(['é', '→']);
		expect(splitKeys('\u001B[1;5C')[0]!.key).toMatchObject({rightArrow: true, ctrl: true});
		expect(splitKeys('G')[0]!.key.shift).toBe(true);
	});

	test('a bracketed paste is one paste, even across reads', () => {
		expect(names('\u001B[200~a\rb\u001B[201~\r')).toEqual(['paste:a\rb', 'enter']);
		const reader = createKeyReader();
		expect(reader.read('x\u001B[200~mgmt ')).toHaveLength(1);
		expect(reader.read('and more\u001B[201~y').map(p => (p.paste ? `paste:${p.input}` : p.input))).toEqual(['paste:mgmt and more', 'y']);
	});
});

describe('line editing', () => {
	const type = (start: LineState, chunk: string) => splitKeys(chunk).reduce((s, p) => editLine(s, p).state, start);
	test('readline keys: ctrl-u, ctrl-w, ctrl-a/e, arrows, home/end, delete, ctrl-k', () => {
		expect(type(lineAt('mcm-user'), '\u0015')).toEqual({value: '', cursor: 0});
		expect(type(lineAt('mcm-user'), '\u0015alice')).toEqual({value: 'alice', cursor: 5});
		expect(type(lineAt('10.0.0.1 port'), '\u0017')).toEqual({value: '10.0.0.1 ', cursor: 9});
		expect(type(lineAt('abc'), '\u0001X\u0005Y')).toEqual({value: 'XabcY', cursor: 5});
		expect(type(lineAt('abcd'), '\u001B[D\u001B[D\u007F')).toEqual({value: 'acd', cursor: 1});
		expect(type(lineAt('abcd'), '\u001B[H\u001B[3~\u001B[F!')).toEqual({value: 'bcd!', cursor: 4});
		expect(type(lineAt('abcd'), '\u001B[D\u001B[D\u000B')).toEqual({value: 'ab', cursor: 2});
		expect(type(lineAt('ab'), '\u001B[200~x\ny\u001B[201~')).toEqual({value: 'abx y', cursor: 5});
	});
	test('enter submits and esc cancels what is shown; other keys are not for the line', () => {
		expect(editLine(lineAt('v'), splitKeys('\r')[0]!)).toMatchObject({submit: true, state: {value: 'v'}});
		expect(editLine(lineAt('v'), splitKeys('\u001B')[0]!)).toMatchObject({cancel: true});
		expect(editLine(lineAt('v'), splitKeys('\u001B[A')[0]!).handled).toBe(false);
	});
});

describe('key router', () => {
	test('keys for an overlay that is open but not listening yet wait for it; esc passes a loading one', async () => {
		const router = createKeyRouter();
		const fleet: string[] = [];
		const got: string[] = [];
		router.dispatch(splitKeys('x')[0]!, p => fleet.push(p.input));
		router.setOverlayOpen(true);
		for (const p of splitKeys('ab')) router.dispatch(p, p2 => fleet.push(p2.input));
		let ready = false;
		const remove = router.register({handle: p => got.push(p.key.escape ? 'esc' : p.input), ready: () => ready});
		router.dispatch(splitKeys('c')[0]!, () => undefined);
		await new Promise(r => setImmediate(r));
		expect(got).toEqual([]);
		ready = true;
		for (let i = 0; i < 4; i++) {
			router.flushSoon();
			await new Promise(r => setImmediate(r));
		}
		expect(got).toEqual(['a', 'b', 'c']);
		ready = false;
		router.dispatch(splitKeys('d')[0]!, () => undefined);
		router.dispatch(splitKeys('\u001B')[0]!, () => undefined);
		expect(got).toEqual(['a', 'b', 'c', 'esc']);
		expect(router.pending()).toBe(0);
		remove();
		router.setOverlayOpen(false);
		router.dispatch(splitKeys('z')[0]!, p => fleet.push(p.input));
		expect(fleet).toEqual(['x', 'z']);
	});
});
