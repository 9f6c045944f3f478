// An HTTP/2 client (Node's own) whose connection runs through a tap that reads every frame the server
// sends, so tests can see the framing a real client receives: which frame carries END_STREAM, how many
// DATA frames an answer takes.
import http2 from 'node:http2';
import {Duplex} from 'node:stream';
import {connect as tlsConnect} from 'node:tls';
import {simulatorTls} from '../../source/sim/tls.js';

export type ReceivedFrame = {type: 'DATA' | 'HEADERS' | 'RST_STREAM' | 'other'; streamId: number; length: number; endStream: boolean};

const frameTypes: Record<number, ReceivedFrame['type']> = {0: 'DATA', 1: 'HEADERS', 3: 'RST_STREAM'};

/** Parses the server's byte stream into frame headers (type, flags, stream id, payload length). */
function frameReader(onFrame: (frame: ReceivedFrame) => void): (chunk: Buffer) => void {
	let pending: Buffer = Buffer.alloc(0);
	return (chunk) => {
		pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
		while (pending.length >= 9) {
			const length = pending.readUIntBE(0, 3);
			if (pending.length < 9 + length) break;
			const type = frameTypes[pending[3]!] ?? 'other';
			const flags = pending[4]!;
			const streamId = pending.readUInt32BE(5) & 0x7fffffff;
			// END_STREAM is flag 0x1 on DATA and HEADERS (on SETTINGS and PING the same bit means ACK).
			onFrame({type, streamId, length, endStream: (type === 'DATA' || type === 'HEADERS') && (flags & 0x1) !== 0});
			pending = pending.subarray(9 + length);
		}
	};
}

export type TappedSession = {
	session: http2.ClientHttp2Session;
	/** Frames received so far on one stream, in order. */
	framesOf(streamId: number): ReceivedFrame[];
};

export function connectTapped(url: string): Promise<TappedSession> {
	const frames: ReceivedFrame[] = [];
	const read = frameReader((frame) => frames.push(frame));
	const {hostname, port} = new URL(url);
	const socket = tlsConnect({host: hostname, port: Number(port), ca: simulatorTls().caCertificate, ALPNProtocols: ['h2']});
	const tap = new Duplex({
		read() {
			socket.resume();
		},
		write(chunk: Buffer, _encoding, callback) {
			socket.write(chunk, callback);
		},
		final(callback) {
			socket.end(callback);
		},
		destroy(error, callback) {
			socket.destroy();
			callback(error);
		},
	});
	socket.on('data', (chunk: Buffer) => {
		read(chunk);
		if (!tap.push(chunk)) socket.pause();
	});
	socket.on('end', () => tap.push(null));
	socket.on('error', (error) => tap.destroy(error));
	return new Promise((resolve, reject) => {
		const session = http2.connect(url, {createConnection: () => tap});
		session.once('connect', () => resolve({session, framesOf: (id) => frames.filter((f) => f.streamId === id)}));
		session.once('error', reject);
	});
}

export type TappedAnswer = {status: number; headers: http2.IncomingHttpHeaders; body: Buffer; frames: ReceivedFrame[]};

/** One request; resolves when the stream has closed, with every frame the server sent on it. */
export function tappedRequest(tapped: TappedSession, headers: http2.OutgoingHttpHeaders, body?: string): Promise<TappedAnswer> {
	return new Promise((resolve, reject) => {
		const stream = tapped.session.request(headers);
		let status = 0;
		let responseHeaders: http2.IncomingHttpHeaders = {};
		const chunks: Buffer[] = [];
		stream.on('response', (h) => {
			responseHeaders = h;
			status = Number(h[':status']);
		});
		stream.on('data', (chunk: Buffer) => chunks.push(chunk));
		stream.on('error', reject);
		stream.on('close', () => resolve({status, headers: responseHeaders, body: Buffer.concat(chunks), frames: tapped.framesOf(stream.id!)}));
		stream.end(body);
	});
}
