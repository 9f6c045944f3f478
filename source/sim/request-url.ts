// A request's path and query as the handlers read them. Every request used to get a WHATWG URL
// (new URL(req.url, base)): ~20 µs and a handful of heap objects each, ~5,000 times in a 1,001-cluster
// console's start. A request target made only of characters that URL parsing leaves as they are (no
// percent escapes, dot segments, backslashes, fragment or scheme-relative `//` in the path; a query of
// plain characters) has that pathname as it was sent, and URLSearchParams reads the query the same as
// url.searchParams does; only the rest goes through URL.

/** What the handlers use of a request URL (a URL is one). */
export type RequestUrl = Pick<URL, 'pathname' | 'searchParams'>;

/** Characters the URL parser keeps as they are in a path, and no `%`: an escape's dot may make a dot segment. */
const plainPath = /^\/(?!\/)[A-Za-z0-9\-._~/]*$/;
/** `.` or `..` as a whole segment: the parser resolves those. */
const dotSegment = /\/\.\.?(?:\/|$)/;
/** Characters the URL parser keeps as they are in a query (special scheme); `%` escapes are URLSearchParams' to decode either way. */
const plainQuery = /^[A-Za-z0-9\-._~=&%+,:/]*$/;

class PlainRequestUrl {
	private params: URLSearchParams | undefined;

	constructor(readonly pathname: string, private readonly query: string) {}

	get searchParams(): URLSearchParams {
		return (this.params ??= new URLSearchParams(this.query));
	}
}

/** The URL of a request target (origin form); throws as new URL does on one it cannot parse. */
export function requestUrl(target: string): RequestUrl {
	const q = target.indexOf('?');
	const path = q < 0 ? target : target.slice(0, q);
	const query = q < 0 ? '' : target.slice(q + 1);
	if (plainPath.test(path) && !dotSegment.test(path) && plainQuery.test(query)) return new PlainRequestUrl(path, query);
	return new URL(target, 'http://127.0.0.1');
}
