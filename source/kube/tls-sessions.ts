// TLS sessions kept from one run to the next, so that `status` and the console resume their
// handshakes (TLS 1.3 session tickets) instead of making a full one per cluster: no server certificate
// to send, verify and check, ~0.4 ms of client CPU and ~0.25 ms of the API server's per connection,
// measured against the simulator. A resumption the server refuses (a ticket expired, from an older server
// process, or under ticket keys since rotated) is an ordinary full handshake; nothing else changes.
//
// What a session may be offered to: the same address, the same SNI name, the same trust and client
// identity (the CA, client certificate and key the context uses) and the same verification setting.
// A resumed session keeps the verdict and the peer certificate of the handshake that made it (OpenSSL
// keeps both in the session), and carries the client certificate it was made with: so a session made
// under one CA, one identity or with verification off is never offered to a connection configured
// otherwise. The ticket's own lifetime (the server's hint) is honoured: an expired one is dropped, and
// OpenSSL itself does not offer one past its lifetime.
//
// The sessions are secrets (whoever holds one can resume as the client it was made for): the file is
// written 0600 in a 0700 directory of the user's own (see cli/tls-session-file.ts).

/** A session as kept (DER of OpenSSL's SSL_SESSION, without the server's certificate), and until when it resumes. */
export type StoredSession = {session: Buffer; expiresAt: number};

/** A session read back from a file: decoded and checked only when it is offered. */
type Entry = StoredSession | {base64: string; expiresAt: number};

/**
 * Sessions kept at most (one per cluster and identity; the newest win): a file of 8,192 is ~5 MB, read
 * at every start. Servers that moved (a simulator started again) leave theirs behind until they expire.
 */
const defaultLimit = 8192;

export class TlsSessionCache {
	private readonly entries = new Map<string, Entry>();
	/** Whether anything was added since the cache was loaded (nothing to write otherwise). */
	changed = false;

	constructor(
		private readonly now: () => number = Date.now,
		private readonly limit = defaultLimit,
	) {}

	/** The session to offer for `key`, if one that has not expired is kept. */
	get(key: string): Buffer | undefined {
		const entry = this.entries.get(key);
		if (!entry) return undefined;
		const stored = 'base64' in entry ? decode(entry.base64) : entry;
		if (stored && stored.expiresAt > this.now()) {
			if (stored !== entry) this.entries.set(key, stored);
			return stored.session;
		}
		this.entries.delete(key);
		return undefined;
	}

	/** A session the server issued for a connection of `key` (the newest replaces the older). */
	put(key: string, session: Buffer): void {
		const lean = withoutPeerCertificate(session);
		const expiresAt = lean && sessionExpiry(lean);
		if (!lean || expiresAt === undefined || expiresAt <= this.now()) return;
		this.add(key, {session: unpooled(lean), expiresAt});
		this.changed = true;
	}

	/**
	 * Sessions read back from a file (base64 of the DER, and the expiry written with it): those this
	 * cache holds win and count as the newest (the limit drops the file's oldest first), expired ones
	 * are skipped; a malformed one is dropped when first asked for.
	 */
	merge(entries: Iterable<[key: string, base64: string, expiresAt: number]>): void {
		const now = this.now();
		const own = [...this.entries];
		this.entries.clear();
		for (const [key, base64, expiresAt] of entries) {
			if (!(expiresAt > now)) continue;
			this.add(key, {base64, expiresAt: Math.min(expiresAt, now + maxTicketSeconds * 1000)});
		}
		for (const [key, entry] of own) this.add(key, entry);
	}

	/** What would be written: every session not expired yet, as base64. */
	live(): Array<[key: string, base64: string, expiresAt: number]> {
		const now = this.now();
		const out: Array<[string, string, number]> = [];
		for (const [key, entry] of this.entries) {
			if (entry.expiresAt > now) out.push([key, 'base64' in entry ? entry.base64 : entry.session.toString('base64'), entry.expiresAt]);
		}
		return out;
	}

	private add(key: string, entry: Entry): void {
		this.entries.delete(key);
		this.entries.set(key, entry);
		if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
	}
}

function decode(base64: string): StoredSession | undefined {
	const session = unpooled(Buffer.from(base64, 'base64'));
	const expiresAt = sessionExpiry(session);
	return expiresAt === undefined ? undefined : {session, expiresAt};
}

/**
 * A copy with memory of its own. A small Buffer is a slice of Node's shared 8 KB pool, and a slice
 * kept keeps the whole slab: a session per cluster, kept for the run, held ~400 slabs (~3 MB) at
 * 1,001 clusters that the transient buffers of the start had long let go of.
 */
function unpooled(bytes: Uint8Array): Buffer {
	const copy = Buffer.allocUnsafeSlow(bytes.length);
	copy.set(bytes);
	return copy;
}

/**
 * The session without the server's certificate ([3] of SSL_SESSION_ASN1). OpenSSL keeps it in the
 * session so that the certificate can be asked for after a resumption, which nothing here does, and
 * decoding it when the session is offered costs what the resumption saves (OpenSSL 3 decodes an X.509
 * certificate and its key in ~0.13 ms, ~0.4 ms for the whole session). The handshake's verdict stays
 * in the session ([5]), and Node does not check the name again on a resumed session (the session was
 * made for this name: the cache key). Undefined when the bytes do not read as a session; Node's
 * envelope (openEnvelope), where there is one, is kept as it came.
 */
export function withoutPeerCertificate(session: Uint8Array): Buffer | undefined {
	const parts = openEnvelope(session);
	if (!parts) return undefined;
	const {head, der} = parts;
	const outer = readTlv(der, 0);
	if (!outer || outer.tag !== 0x30 || outer.end !== der.length) return undefined;
	const kept: Uint8Array[] = [];
	for (let at = outer.start; at < outer.end; ) {
		const item = readTlv(der, at, outer.end);
		if (!item) return undefined;
		if (der[at] !== 0xa3) kept.push(der.subarray(at, item.end));
		at = item.end;
	}
	const body = Buffer.concat(kept);
	return Buffer.concat([head, Buffer.from([0x30]), derLength(body.length), body]);
}

const envelopeMagic = Buffer.from('\0nodejs:tls:session:', 'latin1');

/**
 * Node 20 hands out a session as OpenSSL's DER alone; newer releases (Node 26, OpenSSL 3.5, here) wrap
 * it: `\0nodejs:tls:session:<n>\0`, a 2-byte length and the SNI name, then the DER, and take it back
 * only so. The head is kept byte for byte and the DER read after it. Undefined when neither form reads.
 */
function openEnvelope(session: Uint8Array): {head: Uint8Array; der: Uint8Array} | undefined {
	if (session[0] !== 0) return {head: session.subarray(0, 0), der: session};
	if (!Buffer.from(session.subarray(0, envelopeMagic.length)).equals(envelopeMagic)) return undefined;
	const magicEnd = session.indexOf(0, envelopeMagic.length);
	if (magicEnd < 0 || magicEnd + 3 > session.length) return undefined;
	const derAt = magicEnd + 3 + session[magicEnd + 1] * 256 + session[magicEnd + 2];
	return derAt < session.length ? {head: session.subarray(0, derAt), der: session.subarray(derAt)} : undefined;
}

function derLength(n: number): Buffer {
	if (n < 0x80) return Buffer.from([n]);
	const bytes: number[] = [];
	for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest & 0xff);
	return Buffer.from([0x80 | bytes.length, ...bytes]);
}

/** RFC 8446 4.6.1: a ticket is never used more than 7 days after it was issued, whatever its lifetime says. */
const maxTicketSeconds = 7 * 24 * 60 * 60;

/**
 * When the session stops resuming, from OpenSSL's DER encoding inside Node's envelope where there is
 * one (SSL_SESSION_ASN1: a SEQUENCE whose [1] is the time it was made, [2] the client's own timeout and
 * [9] the server's ticket lifetime hint, in seconds). A ticket lasts what the server said ([9]: OpenSSL's client offers it no longer; the client's
 * [2] is its own default, 2 hours), at most 7 days; a session without a ticket, its timeout. Undefined
 * for anything that does not read so.
 */
export function sessionExpiry(session: Uint8Array): number | undefined {
	const der = openEnvelope(session)?.der;
	if (!der) return undefined;
	const outer = readTlv(der, 0);
	if (!outer || outer.tag !== 0x30) return undefined;
	const fields = new Map<number, number>();
	for (let at = outer.start; at < outer.end; ) {
		const item = readTlv(der, at, outer.end);
		if (!item) return undefined;
		if (item.tag === 0xa1 || item.tag === 0xa2 || item.tag === 0xa9) {
			const value = readInteger(der, item.start, item.end);
			if (value === undefined) return undefined;
			fields.set(item.tag, value);
		}
		at = item.end;
	}
	const time = fields.get(0xa1);
	const lifetime = fields.has(0xa9) ? Math.min(fields.get(0xa9)!, maxTicketSeconds) : fields.get(0xa2);
	return time !== undefined && lifetime !== undefined ? (time + lifetime) * 1000 : undefined;
}

type Tlv = {tag: number; start: number; end: number};

function readTlv(der: Uint8Array, at: number, limit = der.length): Tlv | undefined {
	if (at + 2 > limit) return undefined;
	const tag = der[at];
	let length = der[at + 1];
	let start = at + 2;
	if (length & 0x80) {
		const bytes = length & 0x7f;
		if (bytes === 0 || bytes > 3 || start + bytes > limit) return undefined;
		length = 0;
		for (let i = 0; i < bytes; i++) length = length * 256 + der[start + i];
		start += bytes;
	}
	const end = start + length;
	return end <= limit ? {tag, start, end} : undefined;
}

/** A non-negative INTEGER of at most 6 bytes, inside an explicit tag's content. */
function readInteger(der: Uint8Array, from: number, to: number): number | undefined {
	const item = readTlv(der, from, to);
	if (!item || item.tag !== 0x02 || item.end - item.start < 1 || item.end - item.start > 6 || der[item.start] & 0x80) return undefined;
	let value = 0;
	for (let i = item.start; i < item.end; i++) value = value * 256 + der[i];
	return value;
}
