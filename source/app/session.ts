// Answers remembered for the console session: asked once, offered again as the default of the
// next prompt (the install inputs start from --manifests, --pull-secret, --license, or the demo's).

/** Defaults offered by the prompts: install's files, and the user and role for grants (config file). */
export type InstallInputs = {manifests?: string; pullSecret?: string; license?: string; user?: string; grantRole?: string};

export type Session = InstallInputs & {
	/** The role last chosen for install. */
	role?: string;
	/** The user of the last create-admin or grant. */
	user?: string;
	grantRole?: string;
	/** The context of the management cluster last joined to. */
	management?: string;
};

export function createSession(inputs: InstallInputs): Session {
	return {...inputs};
}
