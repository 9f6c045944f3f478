// The socket side of one simulated API server: a plain net.Server owns the port on 127.0.0.1 and
// hands each connection (TLS-wrapped with the process-wide SecureContext) to one node:http parser.
// https.createServer would build and parse keys for a context per server, which costs seconds
// across 1,001 clusters.
import {createServer as createHttpServer, type IncomingMessage, type ServerResponse} from 'node:http';
import {createServer as createNetServer, type Socket} from 'node:net';
import {createSecureContext, TLSSocket, type SecureContext} from 'node:tls';
import {simulatorTls} from './tls.js';

let secureContext: SecureContext | undefined;

function sharedSecureContext(): SecureContext {
	if (!secureContext) {
		const tls = simulatorTls();
		secureContext = createSecureContext({key: tls.key, cert: tls.certificate});
	}
	return secureContext;
}

export type Listener = {
	readonly port: number;
	readonly listening: boolean;
	readonly scheme: 'https' | 'http';
	listen(port: number): Promise<number>;
	/** Stops accepting and destroys every open socket. */
	close(): Promise<void>;
};

export function createListener(options: {name: string; tls: boolean; onRequest: (req: IncomingMessage, res: ServerResponse) => void}): Listener {
	let port = 0;
	let listening = false;
	const sockets = new Set<Socket>();
	const http = createHttpServer({keepAlive: true}, options.onRequest);
	http.keepAliveTimeout = 30_000;
	http.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
		else socket.destroy();
	});
	const server = createNetServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('error', () => socket.destroy());
		if (!options.tls) {
			http.emit('connection', socket);
			return;
		}
		const secure = new TLSSocket(socket, {isServer: true, secureContext: sharedSecureContext()});
		secure.on('error', () => socket.destroy());
		http.emit('connection', secure);
	});
	return {
		get port() {
			return port;
		},
		get listening() {
			return listening;
		},
		scheme: options.tls ? 'https' : 'http',
		listen: (wanted) => new Promise<number>((resolve, reject) => {
			const onError = (error: NodeJS.ErrnoException) => {
				server.off('listening', onListening);
				const why = error.code === 'EADDRINUSE' ? 'the port is already in use (stop what uses it or choose another port)' : error.message;
				reject(new Error(`cluster ${options.name}: cannot listen on 127.0.0.1:${wanted}: ${why}`));
			};
			const onListening = () => {
				server.off('error', onError);
				const address = server.address();
				port = typeof address === 'object' && address ? address.port : wanted;
				listening = true;
				resolve(port);
			};
			server.once('error', onError);
			server.once('listening', onListening);
			server.listen(wanted, '127.0.0.1');
		}),
		close: () => new Promise<void>((resolve) => {
			if (!listening) {
				resolve();
				return;
			}
			listening = false;
			server.close(() => resolve());
			for (const socket of sockets) socket.destroy();
			sockets.clear();
		}),
	};
}
