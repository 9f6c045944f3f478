import yaml from 'js-yaml';
import {maskObject} from '../mcm/secrets.js';

// A live object as `kubectl get -o yaml` prints it (keys sorted, double quotes, sequences flush with their key, managedFields left out as kubectl
// does by default since 1.21), with every secret masked before it can reach the screen.

export function objectYaml(obj: unknown): string {
	const copy = maskObject(obj) as {metadata?: {managedFields?: unknown}};
	if (copy && typeof copy === 'object' && copy.metadata && typeof copy.metadata === 'object') delete copy.metadata.managedFields;
	// kubectl's YAML (go-yaml): double quotes, sequences not indented under their key.
	return yaml.dump(copy, {lineWidth: -1, noRefs: true, sortKeys: true, quotingType: '"', noArrayIndent: true});
}
