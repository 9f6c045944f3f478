// Kubernetes' legacy token controller: a Secret of type kubernetes.io/service-account-token that names
// a service account gets a long-lived token in data.token (the vendor how-to reads it from there).
import type {ObjectStore, TokenRegistry} from './types.js';

const tenYears = 10 * 365 * 24 * 3600;
const b64 = (s: string) => Buffer.from(s).toString('base64');

export function installTokenController(store: ObjectStore, tokens: TokenRegistry): () => void {
	return store.addAdmission({
		validate(op, type, obj) {
			if (op !== 'create' || type.group !== '' || type.resource !== 'secrets') return;
			if (obj.type !== 'kubernetes.io/service-account-token') return;
			const account = obj.metadata.annotations?.['kubernetes.io/service-account.name'];
			const namespace = obj.metadata.namespace ?? 'default';
			const saType = store.lookup('', 'v1', 'serviceaccounts');
			const sa = account && saType ? store.get(saType, namespace, account) : undefined;
			if (!sa || !account) return;
			const {token} = tokens.issue(namespace, account, tenYears);
			return {
				...obj,
				metadata: {...obj.metadata, annotations: {...obj.metadata.annotations, 'kubernetes.io/service-account.uid': sa.metadata.uid ?? ''}},
				data: {...(obj.data as Record<string, string> | undefined), token: b64(token), namespace: b64(namespace)},
			};
		},
	});
}
