import {describe, expect, it} from 'vitest';
import {compareVersions, managerNames, parseVersion, usesLegacyManagerNames} from '../../source/mcm/version.js';

describe('enterprise version names', () => {
	it('uses tigera-manager names up to 3.22', () => {
		for (const v of ['v3.22.0', '3.22', 'v3.21.4', 'v3.22.1-2.0']) {
			expect(usesLegacyManagerNames(v)).toBe(true);
			expect(managerNames(v)).toMatchObject({namespace: 'tigera-manager', mcmService: 'tigera-manager-mcm', selector: {'k8s-app': 'tigera-manager'}});
		}
	});

	it('uses calico-system names from 3.23, and when the version is unknown', () => {
		for (const v of ['v3.23.0', '3.24', 'v3.24.0-1.0', undefined, 'master']) {
			expect(usesLegacyManagerNames(v)).toBe(false);
			expect(managerNames(v)).toMatchObject({namespace: 'calico-system', mcmService: 'calico-manager-mcm', selector: {'k8s-app': 'calico-manager'}});
		}
	});

	it('parses and orders versions numerically', () => {
		expect(parseVersion('v3.24.0-1.0')).toEqual({major: 3, minor: 24, patch: 0});
		expect(compareVersions('v3.9.0', 'v3.22.0')).toBeLessThan(0);
		expect(compareVersions('v3.22.1', 'v3.22.0')).toBeGreaterThan(0);
		expect(['v3.24.0', 'v3.9.1', 'v3.22.0'].sort(compareVersions)).toEqual(['v3.9.1', 'v3.22.0', 'v3.24.0']);
	});
});
