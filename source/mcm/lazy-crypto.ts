import type * as Crypto from 'node:crypto';
import {createRequire} from 'node:module';

// node:crypto (~20 of Node's internal modules) loaded on first use, not with the modules that may
// need it: the console's first frame imports certificate-facts.ts and atomic-file.ts (through the
// flags', the panes' and the workflows' modules) and uses neither.

let crypto: typeof Crypto | undefined;

export function nodeCrypto(): typeof Crypto {
	crypto ??= createRequire(import.meta.url)('node:crypto') as typeof Crypto;
	return crypto;
}
