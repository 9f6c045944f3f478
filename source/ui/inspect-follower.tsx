import {useEffect} from 'react';
import {feedEvents, loadYaml} from '../app/inspect-feed.js';
import {useUiContext} from './context.js';
import {useUiState} from './use-store.js';

// Reads the YAML view's object while it is shown, and follows the Events view's scope while it is
// open (see app/inspect-feed.ts); closing or switching cancels.
export function InspectFollower() {
	const {services, ui} = useUiContext();
	const yamlSeq = useUiState(s => s.yamlView?.seq);
	const eventsSeq = useUiState(s => s.eventsView?.seq);
	useEffect(() => {
		if (yamlSeq === undefined) return;
		if (!services.fetchObject) {
			ui.getState().yamlLoaded(yamlSeq, {state: 'error', error: 'reading objects is not available in this session'});
			return;
		}
		return loadYaml(services.fetchObject, ui);
	}, [yamlSeq, services, ui]);
	useEffect(() => {
		if (eventsSeq === undefined || !services.followEvents) return;
		return feedEvents(services.followEvents, ui);
	}, [eventsSeq, services, ui]);
	return null;
}
