// The plans by id: what `calico-mcm run <plan>` and the console's keys build.

import type {Plan, PlanId} from '../step.js';
import {buildAddManagedPlan, type AddManagedOptions} from './add-managed.js';
import type {PlanEnv} from './common.js';
import {buildCreateAdminPlan, type CreateAdminOptions} from './create-admin.js';
import {buildGrantPlan, type GrantOptions} from './grant.js';
import {buildInstallPlan, type InstallOptions} from './install.js';
import {buildJoinPlan, type JoinOptions} from './join.js';
import {buildMakeManagementPlan, type MakeManagementOptions} from './make-management.js';
import {buildUnmakeManagementPlan, type UnmakeManagementOptions} from './unmake-management.js';
import {buildUnmanagePlan, type UnmanageOptions} from './unmanage.js';

export type PlanOptions = {
	install: InstallOptions;
	'make-management': MakeManagementOptions;
	'create-admin': CreateAdminOptions;
	'add-managed': AddManagedOptions;
	join: JoinOptions;
	grant: GrantOptions;
	unmanage: UnmanageOptions;
	'unmake-management': UnmakeManagementOptions;
};

const builders: {[K in PlanId]: (options: PlanOptions[K], env: PlanEnv) => Plan} = {
	install: buildInstallPlan,
	'make-management': buildMakeManagementPlan,
	'create-admin': buildCreateAdminPlan,
	'add-managed': buildAddManagedPlan,
	join: buildJoinPlan,
	grant: buildGrantPlan,
	unmanage: buildUnmanagePlan,
	'unmake-management': buildUnmakeManagementPlan,
};

/** A plan and its options, as the console and the interrupted-runs file carry them. */
export type PlanRequest<K extends PlanId = PlanId> = {[P in K]: {id: P; options: PlanOptions[P]}}[K];

/** Build the plan of a request (the options checked against the plan's id by the type). */
export function buildRequestedPlan<K extends PlanId>(request: PlanRequest<K>, env: PlanEnv): Plan {
	return (builders[request.id] as (options: PlanOptions[K], env: PlanEnv) => Plan)(request.options, env);
}

/** Build a plan. Cheap and side-effect free: nothing is read until preflight() or a step runs. */
export function buildPlan<K extends PlanId>(id: K, options: PlanOptions[K], env: PlanEnv): Plan {
	return builders[id](options, env);
}

export type {PlanEnv} from './common.js';
export type {AddManagedOptions, CreateAdminOptions, GrantOptions, InstallOptions, JoinOptions, MakeManagementOptions, UnmakeManagementOptions, UnmanageOptions};
