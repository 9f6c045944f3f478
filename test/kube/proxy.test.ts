import {describe, expect, it} from 'vitest';
import {bypassesProxy, displayProxy, proxyFor} from '../../source/kube/proxy.js';

// NO_PROXY and proxy selection as Go's golang.org/x/net/http/httpproxy (so kubectl) decides them.

describe('NO_PROXY', () => {
	it.each([
		// host, port, NO_PROXY, bypass
		['localhost', '443', '', true],
		['127.0.0.5', '6443', '', true],
		['::1', '6443', '', true],
		['api.example.com', '443', '', false],
		['api.example.com', '443', '*', true],
		['api.example.com', '443', 'example.com', true],
		['example.com', '443', 'example.com', true],
		['badexample.com', '443', 'example.com', false],
		['example.com', '443', '.example.com', false],
		['api.example.com', '443', '.example.com', true],
		['api.example.com', '443', '*.example.com', true],
		['api.example.com', '6443', 'example.com:443', false],
		['api.example.com', '443', 'example.com:443', true],
		['10.1.2.3', '6443', '10.0.0.0/8', true],
		['11.1.2.3', '6443', '10.0.0.0/8', false],
		['10.1.2.3', '6443', '10.1.2.3', true],
		['10.1.2.3', '6443', '10.1.2.3:443', false],
		['2001:db8::1', '443', '2001:db8::/32', true],
		['api.example.com', '443', ' foo.org , EXAMPLE.com ', true],
	])('%s:%s with NO_PROXY=%j → bypass %s', (host, port, noProxy, bypass) => {
		expect(bypassesProxy(host, port, noProxy)).toBe(bypass);
	});
});

describe('proxyFor', () => {
	const cluster = (server: string, proxyUrl?: string) => ({name: 'prod', server, proxyUrl, file: '/home/sre/.kube/config'});

	it('prefers the cluster proxy-url, which NO_PROXY does not affect (as client-go)', () => {
		const route = proxyFor(cluster('https://10.0.0.1:6443', 'socks5://bastion:1080'), {HTTPS_PROXY: 'http://corp:3128', NO_PROXY: '*'});
		expect(route?.url.href).toBe('socks5://bastion:1080');
		expect(route?.source).toBe('proxy-url of cluster "prod" in /home/sre/.kube/config');
	});

	it('reads HTTPS_PROXY before https_proxy for https servers, HTTP_PROXY for http ones, and a bare host:port as http', () => {
		expect(proxyFor(cluster('https://api.example.com'), {HTTPS_PROXY: 'corp:3128', https_proxy: 'http://other:1'})?.url.href).toBe('http://corp:3128/');
		expect(proxyFor(cluster('https://api.example.com'), {https_proxy: 'http://other:1'})?.source).toBe('https_proxy');
		expect(proxyFor(cluster('https://api.example.com'), {HTTP_PROXY: 'http://plain:1'})).toBeUndefined();
		expect(proxyFor(cluster('http://api.example.com'), {HTTP_PROXY: 'http://plain:1'})?.url.host).toBe('plain:1');
		expect(proxyFor(cluster('https://api.example.com'), {HTTPS_PROXY: 'http://corp:3128', no_proxy: 'example.com'})).toBeUndefined();
	});

	it('refuses unknown schemes, naming where the URL came from', () => {
		expect(() => proxyFor(cluster('https://a', 'ftp://x:21'))).toThrow('proxy-url of cluster "prod" in /home/sre/.kube/config: unknown proxy scheme "ftp"; use http, https, socks5 or socks5h');
		expect(() => proxyFor(cluster('https://a', 'bastion:1080'))).toThrow(/is not a proxy URL; write it as http:\/\/HOST:PORT/);
		expect(() => proxyFor(cluster('https://api.example.com'), {HTTPS_PROXY: 'gopher://x'})).toThrow(/^HTTPS_PROXY="gopher:\/\/x" is not a proxy URL/);
	});

	it('never shows the proxy password', () => {
		expect(displayProxy(new URL('http://sre:s3cret@corp:3128'))).toBe('http://corp:3128');
	});
});
