// The secret values this process has seen: tokens it obtained (kubeconfig tokens, exec plugins,
// TokenRequest), and values it read from secrets (pull secrets, licenses, installation manifests).
// Text is masked by looking these up, not by guessing from a string's shape, so a long cluster name
// or file path is shown as it is while a token is masked wherever it turns up. Lowest layer (kube)
// so that the cluster-access code can register what it obtains.

const values = new Set<string>();
let ordered: string[] | undefined;

/** Shorter values would mask ordinary words. */
const minimumLength = 8;

/** Remember a secret value (and its base64 form, as it appears in a Secret's data). */
export function registerSecret(value: string | undefined | null): void {
	if (!value) return;
	for (const v of [value, value.trim()]) {
		if (v.length < minimumLength || values.has(v)) continue;
		values.add(v);
		values.add(Buffer.from(v, 'utf8').toString('base64'));
		ordered = undefined;
	}
}

/** The registered values, longest first (so that a value containing another is masked whole). */
export function secretValues(): readonly string[] {
	ordered ??= [...values].sort((a, b) => b.length - a.length);
	return ordered;
}
