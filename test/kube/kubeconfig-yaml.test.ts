import {isDeepStrictEqual} from 'node:util';
import yaml from 'js-yaml';
import {describe, expect, it} from 'vitest';
import {fastDocument, kubeconfigSchema, parseKubeconfigYaml} from '../../source/kube/kubeconfig-yaml.js';
import {loadKubeconfig} from '../../source/kube/kubeconfig.js';
import {writeKubeconfig} from './fake-api.js';

const kubectlStyle = `apiVersion: v1
clusters:
- cluster:
    certificate-authority-data: LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUM=
    server: https://10.0.0.1:6443
  name: prod
- cluster:
    insecure-skip-tls-verify: true
    server: http://127.0.0.1:8080
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: fleet
  name: dev
contexts:
- context:
    cluster: prod
    namespace: calico-system
    user: admin
  name: prod
- context:
    cluster: dev
    user: ""
  name: dev
current-context: prod
kind: Config
preferences: {}
users:
- name: admin
  user:
    token: abc.def-ghi_jkl
- name: exec-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      args:
      - get-token
      - --cluster-name
      - 'it''s prod'
      command: aws
      env: []
      provideClusterInfo: false
      interactiveMode: Never
`;

// The style the simulator (and client-go's clientcmd.Write) writes: two-space sequences, quoted values.
const quotedStyle = `apiVersion: v1
kind: Config
preferences: {}
clusters:
  - name: "mgmt"
    cluster:
      server: "https://127.0.0.1:45785"
      certificate-authority-data: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t"

# a comment line, and blank lines, anywhere
users:
  -   name: "mgmt-admin"
      user:
        token: "admin-4faa7e33a07927a9"
  -
    name: lone-dash
contexts:
  - name: "mgmt"
    context:
      cluster: "mgmt"
      user: "mgmt-admin"
      namespace:
current-context: "mgmt"
`;

// Plain scalars the schema resolves: each must come out as js-yaml makes it.
const scalars = ['~', 'null', 'Null', 'NULL', 'true', 'False', 'TRUE', 'yes', 'no', 'on', 'off', 'y', 'n', '0', '-1', '+7', '0x1F', '0o17', '0b101', '1_000',
	'017', '1.5', '-.5', '.inf', '-.Inf', '.NaN', '1e3', '2024-01-01', '2001-12-14t21:59:43.10-05:00', '2024-01-01 10:00:00', 'v1', 'nullish', 'truest',
	'<<x', '7up', '-dash', '--cluster-name', 'a b  c', 'trailing   ', 'https://x:6443/path?q=1'];

const inStyle = [kubectlStyle, quotedStyle, ...scalars.map(value => `kind: Config\nvalue: ${value}\nlist:\n- ${value}\n`)];

// Outside the style read a line at a time: js-yaml reads these.
const outsideStyle = [
	`a: &anchor\n  b: 1\nc: *anchor\n`,
	`base: &b\n  server: https://x\nmerged:\n  <<: *b\n  name: y\n`,
	`key: |\n  line one\n  line two\n`,
	`key: >-\n  folded\n  text\n`,
	`key: {a: 1, b: [x, y]}\n`,
	`key: plain text\n  that continues\n`,
	`key: "escaped \\u00e9 \\"quote\\""\n`,
	`key: "multi\n  line"\n`,
	`key: value # a comment\n`,
	`key: !!str 123\n`,
	`key: !!timestamp 2024-01-01\n`,
	`---\nkey: value\n`,
	`key:\tvalue\n`,
	`key: value\r\nother: x\r\n`,
	`"quoted key": value\n`,
	`true: value\n`,
	`? complex\n: value\n`,
	`- top\n- level\n`,
	`  indented: top\n`,
	`list:\n- - nested\n`,
	`key: a, b\n`,
	`key:\n  plain on the next line\n`,
	`__proto__: x\n`,
];

const jsYaml = (text: string) => yaml.load(text, {schema: kubeconfigSchema});

describe('kubeconfig YAML', () => {
	it('reads kubeconfigs in the block style exactly as js-yaml reads them', () => {
		for (const text of inStyle) {
			const fast = fastDocument(text);
			expect(fast, text).toBeDefined();
			expect(fast, text).toEqual(jsYaml(text));
		}
	});

	it('leaves everything outside that style to js-yaml, with the same result', () => {
		for (const text of outsideStyle) {
			expect(fastDocument(text), text).toBeUndefined();
			expect(parseKubeconfigYaml(text, 'config'), text).toEqual(jsYaml(text));
		}
	});

	it('refuses duplicate keys and bad indentation with js-yaml\'s message and line', () => {
		expect(() => parseKubeconfigYaml('a: 1\nb: 2\na: 3\n', 'config')).toThrow(/duplicated mapping key in "config" \(3:1\)/);
		expect(() => parseKubeconfigYaml('a:\n  b: 1\n c: 2\n', 'config')).toThrow(/bad indentation of a mapping entry in "config" \(3:2\)/);
		// A value that starts a sequence where a mapping's value is on the same line.
		expect(fastDocument('key: - dash\n')).toBeUndefined();
		expect(() => parseKubeconfigYaml('key: - dash\n', 'config')).toThrow(/bad indentation of a mapping entry in "config" \(1:6\)/);
	});

	it('either gives up or reads what js-yaml reads, on random texts made of kubeconfig-like lines', () => {
		let seed = 12345;
		const pick = <T>(list: T[]): T => {
			seed = (seed * 1103515245 + 12345) & 0x7fffffff;
			return list[seed % list.length]!;
		};
		const keys = ['a', 'name', 'cluster', 'x.y/z', 'k-1', 'true', 'null', 'y', 'a b', '"q"'];
		const values = ['', 'v', '"s"', "'s'", "'it''s'", '"a\\"b"', '~', '1', '-1', '0x1F', '2024-01-01', 'yes', '{}', '[]', '{a: 1}', '- x', '--flag',
			'a: b', 'a #c', 'a#b', 'http://h:1', '&x v', '*x', '!t v', '|', '"open', '"x" y', 'a, b', '.inf', '<<', 'v   ', ':x', '? x'];
		const indents = ['', '  ', '    ', ' '];
		let taken = 0;
		for (let i = 0; i < 20_000; i++) {
			const lines: string[] = [];
			for (let n = Number(pick(['1', '2', '3', '4', '5', '6'])); n > 0; n--) {
				const value = pick(['', ' ']) && ` ${pick(values)}`;
				lines.push(`${pick(indents)}${pick(['', '', '- ', '- ', '-', '#'])}${pick(keys)}${pick([':', ':', ''])}${value}`);
			}
			const text = `${lines.join('\n')}\n`;
			const fast = fastDocument(text);
			if (fast === undefined) continue;
			taken++;
			expect(isDeepStrictEqual(fast, jsYaml(text)), text).toBe(true);
		}
		// Enough of them were read by the line reader for the comparison to mean something.
		expect(taken).toBeGreaterThan(200);
	});

	it('keeps a value that looks like a timestamp as its text, as kubectl does', () => {
		// go-yaml v2 (kubectl's reader) keeps such a plain scalar a string; js-yaml's default schema made it a Date.
		const text = `apiVersion: v1
clusters:
- name: 2024-01-01
  cluster:
    server: https://10.0.0.1:6443
users:
- name: 2001-12-14t21:59:43.10-05:00
  user:
    token: t
contexts:
- name: 2024-06-30
  context:
    cluster: 2024-01-01
    user: 2001-12-14t21:59:43.10-05:00
    namespace: 2024-01-01 10:00:00
`;
		// The same file with a comment after a value, which js-yaml reads instead of the fast reader.
		for (const variant of [text, text.replace('token: t', 'token: t # js-yaml reads this one')]) {
			const config = loadKubeconfig({kubeconfig: writeKubeconfig(variant).file});
			expect(config.contexts).toEqual([
				expect.objectContaining({name: '2024-06-30', cluster: '2024-01-01', user: '2001-12-14t21:59:43.10-05:00', namespace: '2024-01-01 10:00:00'}),
			]);
			expect(config.entries.get('2024-06-30')!.user.token).toBe('t');
		}
	});

	it('follows merge keys, as kubectl does', () => {
		const text = `apiVersion: v1
clusters:
- name: a
  cluster: &common
    server: https://10.0.0.1:6443
    tls-server-name: api.example
- name: b
  cluster:
    <<: *common
    server: https://10.0.0.2:6443
contexts:
- name: b
  context: {cluster: b}
`;
		const cluster = loadKubeconfig({kubeconfig: writeKubeconfig(text).file}).entries.get('b')!.cluster;
		expect(cluster.server).toBe('https://10.0.0.2:6443');
		expect(cluster.tlsServerName).toBe('api.example');
	});

	it('verifies TLS unless insecure-skip-tls-verify is the YAML bool true (yes stays a string)', () => {
		const text = (value: string) => `clusters:
- name: c
  cluster:
    server: https://10.0.0.1:6443
    insecure-skip-tls-verify: ${value}
contexts:
- name: c
  context:
    cluster: c
`;
		const skip = (value: string) => loadKubeconfig({kubeconfig: writeKubeconfig(text(value)).file}).entries.get('c')!.cluster.insecureSkipTlsVerify;
		expect(skip('true')).toBe(true);
		expect(skip('True')).toBe(true);
		expect(skip('yes')).toBe(false);
		expect(skip('"true"')).toBe(false);
	});
});
