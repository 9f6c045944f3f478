import {describe, expect, it} from 'vitest';
import {certificatesOf} from '../../source/mcm/tunnel-cert-read.js';

// Which certificate texts a Secret read keeps: the wanted keys, decoded, each as it is now.

const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64');
const pem = (name: string) => `-----BEGIN CERTIFICATE-----\n${name}\n-----END CERTIFICATE-----\n`;

describe('certificatesOf', () => {
	it('decodes only the wanted keys, never the private key', () => {
		const data = {'managed-cluster.crt': b64(pem('leaf-a')), 'management-cluster.crt': b64(pem('ca-1')), 'managed-cluster.key': b64('PRIVATE')};
		expect(certificatesOf(data, ['managed-cluster.crt', 'management-cluster.crt'], false)).toEqual({'managed-cluster.crt': pem('leaf-a'), 'management-cluster.crt': pem('ca-1')});
		expect(certificatesOf(data, ['tls.crt', 'management-cluster.crt', 'cert'], true)).toEqual({'management-cluster.crt': pem('ca-1')});
	});

	it('a Secret whose CA copy changed is read as it is now, not as the fleet\'s earlier reads had it', () => {
		const keys = ['managed-cluster.crt', 'management-cluster.crt'];
		for (const name of ['a', 'b', 'c']) {
			expect(certificatesOf({'managed-cluster.crt': b64(pem(`leaf-${name}`)), 'management-cluster.crt': b64(pem('ca-1'))}, keys, false)).toEqual({'managed-cluster.crt': pem(`leaf-${name}`), 'management-cluster.crt': pem('ca-1')});
		}
		// The CA rotated on one cluster: its read shows the new copy; another cluster still has the old one.
		expect(certificatesOf({'managed-cluster.crt': b64(pem('leaf-d')), 'management-cluster.crt': b64(pem('ca-2'))}, keys, false)['management-cluster.crt']).toBe(pem('ca-2'));
		expect(certificatesOf({'managed-cluster.crt': b64(pem('leaf-e')), 'management-cluster.crt': b64(pem('ca-1'))}, keys, false)['management-cluster.crt']).toBe(pem('ca-1'));
		expect(certificatesOf({'management-cluster.crt': ''}, keys, false)).toEqual({});
	});
});
