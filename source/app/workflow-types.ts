// What a workflow overlay (prompt → preflight → confirmation → run) is given. The console's start-up
// (source/cli/console-actions.ts) builds these from plans and kube clients; the overlays only call
// the functions, so no cluster call is made from the UI.

export type FormValues = Record<string, string>;

export type FormField = {
	key: string;
	label: string;
	/** Shown dimmed after the input, e.g. where a default came from. */
	hint?: string;
	/** Only asked when this says so (e.g. the license, not for a managed cluster). */
	when?: (values: FormValues) => boolean;
} & (
	| {
			kind: 'text';
			initial?: string;
			/** Offered as completions (tab-free: typed prefixes complete) and listed under the input. */
			suggestions?: string[];
			/** An error message, or undefined when the value is fine. */
			validate?: (value: string, values: FormValues) => string | undefined;
	  }
	| {kind: 'select'; options: Array<{label: string; value: string}>; initial?: string}
);

export type ChecklistItem = {label: string; ok: boolean; message: string; fix?: string; warning?: boolean};

export type PreparedStep = {title: string; kubectl: string; skippable: boolean};

/** One or more plans, ready to be checked, confirmed and run. */
export type PreparedRun = {
	title: string;
	/** The confirmation question. */
	question: string;
	/** The user confirms by typing this (the cluster's name) instead of pressing y. */
	typeToConfirm?: string;
	/** The clusters the run changes (one, or the batch). */
	clusters: string[];
	/** The steps of one plan (the same for each cluster of a batch). */
	steps: PreparedStep[];
	preflight: (signal: AbortSignal) => Promise<{ok: boolean; items: ChecklistItem[]}>;
	/** The YAML that will be applied, secrets masked. */
	preview: (signal: AbortSignal) => Promise<string>;
	start: () => void;
};

export type Workflow = {
	title: string;
	/** The prompts; a function when they depend on the cluster (e.g. address suggestions). */
	fields: FormField[] | ((signal: AbortSignal) => Promise<FormField[]>);
	/** Builds the run for the answers; a string is an error shown on the form. */
	prepare: (values: FormValues) => PreparedRun | string;
};

/** The login token the create-admin run produced: shown masked; the clear text never reaches the UI. */
export type TokenHandle = {
	cluster: string;
	user: string;
	masked: string;
	expires?: string;
	/** Sends it to the user's terminal as an OSC 52 clipboard request. Returns what to say (bad: it did not reach the clipboard, or may not have). */
	copy: () => {text: string; bad?: boolean};
	/** Where the run saved it (full path, mode 0600), if it did. */
	savedTo?: string;
	defaultPath: string;
	/**
	 * Writes it to a file with mode 0600. Returns what to say; throws with a clear message. An existing
	 * file is replaced only with `overwrite`: otherwise it throws an error with code 'EEXIST'.
	 */
	write: (file: string, options?: {overwrite?: boolean}) => string;
};
