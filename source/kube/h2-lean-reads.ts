// A watch's HTTP/2 response read without its stream's Readable side: each DATA chunk is copied by Node
// into one buffer shared by every such stream and emitted as 'data' at once (Node's own `onread` path
// for sockets, here on the Http2Stream's handle, which is a StreamBase as a socket's is).
//
// Why: an idle fleet's watches hear mostly bookmarks, one a minute per HTTP/2 session (1,001 a minute
// at 1,001 clusters, each its own wake-up), and a CPU profile of a wave of them put ~40 % of the
// console's CPU in Node's per-chunk Readable work: an ArrayBuffer and a Buffer per chunk, push,
// addChunk, a nextTick per chunk (maybeReadMore), read(0) and _read, and a native readStart() per chunk.
// Here a chunk is one memcpy into the shared buffer and one emit; flow control is unchanged (the handle
// stays reading, so nghttp2 is told at once that the bytes were consumed, as it is for a flowing stream),
// and the end of the stream still comes through the Readable side ('end', then 'close').
//
// The chunk is a view of the shared buffer, valid only during its 'data' event (ResponseBody says the
// same of every body). Only a stream whose Readable side holds nothing yet is switched: Node emits
// 'response' a tick after the headers, so bytes that came with them are already queued there, and such
// a stream keeps Node's path (its order would otherwise break). Node versions without these internals
// keep Node's path too.

import net from 'node:net';
import type http2 from 'node:http2';

type Keys = {buffer: symbol; callback: symbol; generator: symbol; handle: symbol};
type Handle = {useUserBuffer?: (buffer: Uint8Array) => void};
type LeanStream = http2.ClientHttp2Stream & Record<symbol, unknown>;

/** Big enough for a DATA frame at the default SETTINGS_MAX_FRAME_SIZE; a longer chunk comes in pieces. */
const shared = Buffer.allocUnsafe(16 * 1024);

let keys: Keys | null | undefined;

function keysOf(stream: LeanStream): Keys | null {
	if (keys !== undefined) return keys;
	// Node keeps a socket's `onread` option under these (lib/internal/stream_base_commons.js), and its
	// onStreamRead, which every StreamBase handle's reads go through, looks for them on the owner.
	// (@types/node declares `onread` for net.connect, not for the Socket constructor, which takes it too.)
	const options = {onread: {buffer: Buffer.alloc(1), callback: () => true}};
	const probe = new net.Socket(options as net.SocketConstructorOpts);
	const own = Object.getOwnPropertySymbols(probe);
	probe.destroy();
	const named = (list: symbol[], name: string) => list.find(key => key.description === name);
	const buffer = named(own, 'kBuffer');
	const callback = named(own, 'kBufferCb');
	const generator = named(own, 'kBufferGen');
	const handle = named(Object.getOwnPropertySymbols(stream), 'kHandle');
	keys = buffer && callback && generator && handle ? {buffer, callback, generator, handle} : null;
	return keys;
}

/** Returns true: reading goes on (false would stop the stream's reads). */
function onLeanRead(this: LeanStream, bytes: number, buffer: Buffer): boolean {
	this.emit('data', Buffer.from(buffer.buffer, buffer.byteOffset, bytes));
	return true;
}

/** Switches a response stream to lean reads when it can; returns whether it did. Call at 'response', before a 'data' listener is added. */
export function leanH2Reads(stream: http2.ClientHttp2Stream): boolean {
	const lean = stream as LeanStream;
	if (stream.destroyed || stream.readableLength > 0) return false;
	const found = keysOf(lean);
	if (!found) return false;
	const handle = lean[found.handle] as Handle | undefined;
	if (typeof handle?.useUserBuffer !== 'function') return false;
	handle.useUserBuffer(shared);
	lean[found.buffer] = shared;
	lean[found.callback] = onLeanRead;
	lean[found.generator] = null;
	return true;
}
