import {createContext, useContext} from 'react';
import type {ConsoleServices} from '../app/services.js';
import type {AppStore} from '../store/store.js';
import type {UiStore} from '../store/ui-store.js';
import type {Clock} from './clock.js';
import type {FleetRowsOf} from './fleet-rows.js';
import type {Glyphs} from './glyphs.js';
import type {Theme} from './theme.js';

export type UiContextValue = {
	store: AppStore;
	ui: UiStore;
	services: ConsoleServices;
	theme: Theme;
	glyphs: Glyphs;
	clock: Clock;
	/** The fleet rows as shown (sorted, filtered), shared by every pane and the key handler. */
	fleetView: FleetRowsOf;
	closeOverlay: () => void;
};

export const UiContext = createContext<UiContextValue | undefined>(undefined);

export function useUiContext(): UiContextValue {
	const value = useContext(UiContext);
	if (!value) throw new Error('console components must be rendered inside <App>');
	return value;
}
