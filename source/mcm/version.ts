// The names that move with the Calico Enterprise version. Up to 3.22 the manager lives in the
// `tigera-manager` namespace (service `tigera-manager-mcm`, as the vendor how-to says); from 3.23 in
// `calico-system` (`calico-manager-mcm`, selector `k8s-app: calico-manager`). The simulator keeps
// its own copy (source/sim/naming.ts) on purpose: the domain must not depend on the simulator.

export type ParsedVersion = {major: number; minor: number; patch: number};

export type ManagerNames = {
	namespace: string;
	/** The service that exposes the MCM tunnel endpoint (the how-to's NodePort/LoadBalancer). */
	mcmService: string;
	deployment: string;
	selector: Record<string, string>;
	/** True for ≤ 3.22 naming. */
	legacy: boolean;
};

/** The version assumed when none is known: the newest the tool was written against. */
export const defaultVersion = 'v3.24.0';

/** `v3.24.0`, `3.22`, `v3.24.0-1.0`, `release-v3.23` → {major, minor, patch}; undefined when no x.y in it. */
export function parseVersion(version: string | undefined): ParsedVersion | undefined {
	if (!version) return undefined;
	const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(version);
	if (!match) return undefined;
	return {major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0)};
}

/** Negative, zero or positive, as for sort(); unparsable versions sort first. */
export function compareVersions(a: string | undefined, b: string | undefined): number {
	const pa = parseVersion(a);
	const pb = parseVersion(b);
	if (!pa || !pb) return (pa ? 1 : 0) - (pb ? 1 : 0);
	return pa.major - pb.major || pa.minor - pb.minor || pa.patch - pb.patch;
}

/** True when this version uses the ≤ 3.22 `tigera-manager` names. Unknown versions get the new names. */
export function usesLegacyManagerNames(version: string | undefined): boolean {
	const parsed = parseVersion(version);
	if (!parsed) return false;
	return parsed.major < 3 || (parsed.major === 3 && parsed.minor <= 22);
}

export function managerNames(version: string | undefined): ManagerNames {
	if (usesLegacyManagerNames(version)) {
		return {
			namespace: 'tigera-manager',
			mcmService: 'tigera-manager-mcm',
			deployment: 'tigera-manager',
			selector: {'k8s-app': 'tigera-manager'},
			legacy: true,
		};
	}
	return {
		namespace: 'calico-system',
		mcmService: 'calico-manager-mcm',
		deployment: 'calico-manager',
		selector: {'k8s-app': 'calico-manager'},
		legacy: false,
	};
}
