// State and secret files are replaced whole or not at all. A full disk (ENOSPC), a file-size limit
// (EFBIG) or a crash in the middle of a write leaves the previous file as it was: the new content
// goes to a temporary file in the same directory (created with the final mode, so a secret is never
// readable by others, not even for a moment), is flushed to disk, and only then renamed over the
// target. The directory is flushed too, so the rename itself survives a power cut.
//
// Hand-written rather than write-file-atomic: its current major needs Node 22, and we also need
// "create only, never replace" (link instead of rename) for files the user did not ask to overwrite.

import fs from 'node:fs';
import path from 'node:path';
import {nodeCrypto} from './lazy-crypto.js';

export type AtomicWriteOptions = {
	/** Mode of the new file (default 0600). An existing file's mode is not kept: the file is new. */
	mode?: number;
	/** false: fail with EEXIST when the file exists, atomically (no window where both could write). */
	overwrite?: boolean;
};

function syncDirectory(dir: string): void {
	let fd: number | undefined;
	try {
		fd = fs.openSync(dir, 'r');
		fs.fsyncSync(fd);
	} catch {
		// Some file systems cannot fsync a directory (EINVAL, EISDIR): the rename is still atomic.
	} finally {
		if (fd !== undefined) fs.closeSync(fd);
	}
}

/** Writes `data` to `file` atomically with mode `options.mode` (0600 by default). */
export function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): void {
	const mode = options.mode ?? 0o600;
	const dir = path.dirname(path.resolve(file));
	const temporary = path.join(dir, `.${path.basename(file)}.${nodeCrypto().randomBytes(6).toString('hex')}.tmp`);
	const fd = fs.openSync(temporary, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, mode);
	let moved = false;
	try {
		try {
			// The umask may have taken bits away; a wider umask can never add any.
			fs.fchmodSync(fd, mode);
			const bytes = typeof data === 'string' ? Buffer.from(data) : data;
			for (let at = 0; at < bytes.length; ) at += fs.writeSync(fd, bytes, at, bytes.length - at);
			fs.fsyncSync(fd);
		} finally {
			fs.closeSync(fd);
		}
		if (options.overwrite === false) {
			fs.linkSync(temporary, file);
		} else {
			fs.renameSync(temporary, file);
			moved = true;
		}
		syncDirectory(dir);
	} finally {
		if (!moved) fs.rmSync(temporary, {force: true});
	}
}

/**
 * Creates `dir` (and its missing parents) with mode 0700, and makes `dir` itself 0700 if it existed
 * wider. Node's recursive mkdir reports ENOENT when a parent cannot be created on a read-only file
 * system or without permission; the error thrown here carries the real cause (EROFS, EACCES).
 */
export function ensurePrivateDirectory(dir: string): string {
	try {
		fs.mkdirSync(dir, {recursive: true, mode: 0o700});
	} catch (error) {
		throw realMkdirError(dir, error as NodeJS.ErrnoException);
	}
	const stat = fs.statSync(dir);
	if ((stat.mode & 0o077) !== 0 && (process.getuid === undefined || stat.uid === process.getuid())) fs.chmodSync(dir, 0o700);
	return dir;
}

function realMkdirError(dir: string, error: NodeJS.ErrnoException): NodeJS.ErrnoException {
	if (error.code !== 'ENOENT') return error;
	const missing: string[] = [];
	for (let d = path.resolve(dir); !fs.existsSync(d); d = path.dirname(d)) {
		missing.unshift(d);
		if (path.dirname(d) === d) break;
	}
	for (const d of missing) {
		try {
			fs.mkdirSync(d, {mode: 0o700});
		} catch (inner) {
			return inner as NodeJS.ErrnoException;
		}
	}
	return error;
}

/** The short reason a file could not be written, in words a user acts on. */
export function writeErrorReason(error: unknown): string {
	const e = error as NodeJS.ErrnoException;
	switch (e.code) {
		case 'EROFS':
			return 'the file system is read-only';
		case 'EACCES':
		case 'EPERM':
			return 'permission denied';
		case 'ENOSPC':
			return 'the disk is full';
		case 'EFBIG':
			return 'the file is larger than the file-size limit (ulimit -f)';
		case 'EDQUOT':
			return 'the disk quota is exhausted';
		case 'EEXIST':
			return 'the file already exists';
		case 'ENOENT':
			return 'the directory does not exist';
		case 'ENOTDIR':
			return 'a part of the path is not a directory';
		default:
			return e.message ?? String(error);
	}
}
