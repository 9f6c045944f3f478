// Calico Enterprise version → the names that move with it. Up to 3.22 the manager lives in
// `tigera-manager` (the how-to's `tigera-manager-mcm` service); from 3.23 in `calico-system`.

export type EnterpriseVersion = {major: number; minor: number; patch: number; /** e.g. `v3.24.0` */ text: string};

export type EnterpriseNames = {
	managerNamespace: string;
	managerDeployment: string;
	/** The ClusterIP service of the manager UI. */
	managerService: string;
	/** The service the how-to creates to expose the tunnel endpoint (port 9449). */
	mcmService: string;
	managerSelector: Record<string, string>;
	apiServerNamespace: string;
	apiServerDeployment: string;
	guardianNamespace: string;
	guardianDeployment: string;
};

/** Parses `3.22`, `v3.24.0`, `3.24.1-1.0`; throws an Error naming the input when it is not a version. */
export function parseEnterpriseVersion(input: string): EnterpriseVersion {
	const match = /^v?(\d+)\.(\d+)(?:\.(\d+))?(?:-[0-9A-Za-z.]+)?$/.exec(input.trim());
	if (!match) throw new Error(`invalid Calico Enterprise version "${input}": expected e.g. 3.22 or v3.24.0`);
	const major = Number(match[1]);
	const minor = Number(match[2]);
	const patch = Number(match[3] ?? 0);
	return {major, minor, patch, text: `v${major}.${minor}.${patch}`};
}

export function isLegacyNaming(version: EnterpriseVersion): boolean {
	return version.major < 3 || (version.major === 3 && version.minor <= 22);
}

export function enterpriseNames(version: string | EnterpriseVersion): EnterpriseNames {
	const parsed = typeof version === 'string' ? parseEnterpriseVersion(version) : version;
	if (isLegacyNaming(parsed)) {
		return {
			managerNamespace: 'tigera-manager',
			managerDeployment: 'tigera-manager',
			managerService: 'tigera-manager',
			mcmService: 'tigera-manager-mcm',
			managerSelector: {'k8s-app': 'tigera-manager'},
			apiServerNamespace: 'tigera-system',
			apiServerDeployment: 'tigera-apiserver',
			guardianNamespace: 'tigera-guardian',
			guardianDeployment: 'tigera-guardian',
		};
	}
	return {
		managerNamespace: 'calico-system',
		managerDeployment: 'calico-manager',
		managerService: 'calico-manager',
		mcmService: 'calico-manager-mcm',
		managerSelector: {'k8s-app': 'calico-manager'},
		apiServerNamespace: 'calico-system',
		apiServerDeployment: 'calico-apiserver',
		guardianNamespace: 'calico-system',
		guardianDeployment: 'guardian',
	};
}
