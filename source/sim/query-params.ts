// Boolean query parameters as kube-apiserver converts them into its option structs
// (k8s.io/apimachinery pkg/runtime/conversion.go, Convert_Slice_string_To_bool): absent, "0" or
// "false" (any case) is false; every other value, "" included, is true. So `watch=True` (the
// Python client), `watch=1`, `watch=t` and `watch=TRUE` all watch, as strconv.ParseBool's true
// spellings do.
export function boolParam(params: URLSearchParams, name: string): boolean {
	const values = params.getAll(name);
	if (values.length === 0) return false;
	const first = values[0];
	return !(first === '0' || first.toLowerCase() === 'false');
}
