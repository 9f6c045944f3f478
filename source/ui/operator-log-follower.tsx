import {useEffect} from 'react';
import {feedOperatorLog} from '../app/operator-log-feed.js';
import {useUiContext} from './context.js';
import {useUiState} from './use-store.js';

// Follows the tigera-operator pod log while the log pane shows it (see app/operator-log-feed.ts).
export function OperatorLogFollower() {
	const {services, ui} = useUiContext();
	const cluster = useUiState(s => (s.logSource === 'operator' ? s.operatorLog?.cluster : undefined));
	useEffect(() => {
		if (!cluster || !services.followOperatorLog) return;
		return feedOperatorLog(services.followOperatorLog, cluster, ui);
	}, [cluster, services, ui]);
	return null;
}
