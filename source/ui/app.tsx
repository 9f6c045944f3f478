import {Box, Text, useApp} from 'ink';
import {useCallback, useMemo, useRef, useState} from 'react';
import {useStore} from 'zustand';
import type {AppStore} from '../store/store.js';
import {createUiStore, type UiStore} from '../store/ui-store.js';
import {createClock, type Clock} from './clock.js';
import {UiContext, useUiContext, type UiContextValue} from './context.js';
import {createFleetViewOf} from './fleet-rows.js';
import {FleetPane} from './fleet-pane.js';
import {fit} from './format.js';
import {glyphsFor} from './glyphs.js';
import {HelpOverlay} from './help-overlay.js';
import {createKeyRouter} from './input/key-router.js';
import type {KeyPress} from './input/keys.js';
import {useKeyReader} from './input/use-key-reader.js';
import {handleKey, type KeyEnv} from './key-handler.js';
import {computeLayout, minColumns, minRows, zoomLayout, type Layout} from './layout.js';
import {LogPane} from './log-pane.js';
import {OperatorLogFollower} from './operator-log-follower.js';
import {EventsViewPane} from './events-view.js';
import {InspectFollower} from './inspect-follower.js';
import {YamlViewPane} from './yaml-view.js';
import {noServices, type ConsoleIntents, type ConsoleServices} from '../app/services.js';
import {StatusBar} from './status-bar.js';
import {StepsPane} from './steps-pane.js';
import {createTheme} from './theme.js';
import {TigerStatusPane} from './tigerstatus-pane.js';
import {useUiState} from './use-store.js';
import {useTerminalSize, type Size} from './use-terminal-size.js';
import {OverlayView, type Overlay} from './workflows/overlay.js';

export type AppProps = {
	store: AppStore;
	/** UI state; a fresh one by default. Pass one to drive or inspect it from outside (tests, start-up). */
	ui?: UiStore;
	services?: Partial<ConsoleServices>;
	/** Colour on (default true; start-up turns it off for NO_COLOR and TERM=dumb). */
	color?: boolean;
	/** ASCII glyphs (--ascii, TERM=dumb). */
	ascii?: boolean;
	/** A fixed size instead of the terminal's (tests: ink-testing-library has no rows). */
	size?: Size;
	clock?: Clock;
	/** Called when the user quits (after confirming, while a plan runs). Default: unmount. */
	onQuit?: () => void;
	/** Called for each key press before it is handled (start-up: its frame is drawn without waiting for the frame cap). */
	onKeyPress?: () => void;
};

function SeparatorColumn({height}: {height: number}) {
	const {glyphs, theme} = useUiContext();
	return (
		<Box flexDirection="column" width={1} height={height}>
			{Array.from({length: height}, (_, i) => (
				<Text key={i} color={theme.tone('muted')}>
					{glyphs.separator}
				</Text>
			))}
		</Box>
	);
}

function Body({layout, overlay}: {layout: Layout; overlay?: Overlay}) {
	const focus = useUiState(s => s.focus);
	const helpOpen = useUiState(s => s.helpOpen);
	const zoomed = useUiState(s => s.zoomed);
	const inspect = useUiState(s => (s.eventsView ? 'events' : s.yamlView ? 'yaml' : undefined));
	const {closeOverlay} = useUiContext();
	const {panes, columns, body} = layout;
	if (layout.mode === 'too-small') {
		return (
			<Box height={body} flexDirection="column">
				<Text wrap="truncate">{fit(`Terminal too small (${columns}x${layout.height + 1}): needs at least ${minColumns}x${minRows}, best 80x24.`, columns)}</Text>
			</Box>
		);
	}
	if (overlay) {
		return (
			<Box height={body} width={columns} flexDirection="column" overflow="hidden">
				<OverlayView overlay={overlay} width={columns} height={body} close={closeOverlay} />
			</Box>
		);
	}
	if (helpOpen) return <HelpOverlay width={columns} height={body} />;
	if (inspect === 'events') return <EventsViewPane width={columns} height={body} />;
	if (inspect === 'yaml') return <YamlViewPane width={columns} height={body} />;
	if (zoomed) {
		// One pane, the focused one, over the whole body; tab moves the zoom on.
		const {width, height} = panes[focus];
		const Pane = {fleet: FleetPane, status: TigerStatusPane, steps: StepsPane, log: LogPane}[focus];
		return (
			<Box flexDirection="column" height={body} width={columns}>
				<Pane width={width} height={height} focused />
			</Box>
		);
	}
	const fleet = <FleetPane width={panes.fleet.width} height={panes.fleet.height} focused={focus === 'fleet'} />;
	const status = <TigerStatusPane width={panes.status.width} height={panes.status.height} focused={focus === 'status'} />;
	const steps = <StepsPane width={panes.steps.width} height={panes.steps.height} focused={focus === 'steps'} />;
	const log = <LogPane width={panes.log.width} height={panes.log.height} focused={focus === 'log'} />;
	if (layout.mode === 'grid') {
		return (
			<Box flexDirection="column" height={body} width={columns}>
				<Box flexDirection="row" height={panes.fleet.height}>
					{fleet}
					<SeparatorColumn height={panes.fleet.height} />
					{status}
				</Box>
				<Box flexDirection="row" height={panes.steps.height}>
					{steps}
					<SeparatorColumn height={panes.steps.height} />
					{log}
				</Box>
			</Box>
		);
	}
	return (
		<Box flexDirection="column" height={body} width={columns}>
			{fleet}
			{status}
			{steps}
			{log}
		</Box>
	);
}

/** The whole console: four panes and a status bar, at most rows - 1 lines tall. */
export function App({store, ui: uiProp, services: servicesProp, color = true, ascii = false, size: fixedSize, clock: clockProp, onQuit, onKeyPress}: AppProps) {
	const {exit} = useApp();
	const size = useTerminalSize(fixedSize);
	const uiRef = useRef<UiStore | undefined>(uiProp);
	uiRef.current ??= createUiStore();
	const ui = uiRef.current;
	const focus = useStore(ui, s => s.focus);
	const zoomed = useStore(ui, s => s.zoomed);
	// Zoomed, the focused pane has the whole body: keys page by its size, and Body draws only it.
	const layout = useMemo(() => {
		const full = computeLayout(size.columns, size.rows);
		return zoomed ? zoomLayout(full, focus) : full;
	}, [size.columns, size.rows, zoomed, focus]);
	const lent = useStore(ui, s => s.terminalLent);
	const [overlay, setOverlay] = useState<Overlay | undefined>();
	const router = useMemo(createKeyRouter, []);
	// What is open now, for showToken: a state update is only seen at the next render.
	const overlayRef = useRef<Overlay | undefined>(undefined);
	// The router knows at once that an overlay is open, before it is drawn: keys typed meanwhile
	// wait for it instead of reaching the fleet.
	const show = useCallback(
		(next: Overlay | undefined) => {
			overlayRef.current = next;
			router.setOverlayOpen(next !== undefined);
			setOverlay(next);
		},
		[router],
	);
	const closeOverlay = useCallback(() => show(undefined), [show]);
	const intents = useMemo<ConsoleIntents>(
		() => ({
			openWorkflow: workflow => show({kind: 'workflow', workflow}),
			showToken(token) {
				if (overlayRef.current) return false;
				show({kind: 'token', token});
				return true;
			},
			focusSteps: () => ui.getState().focusSteps(),
			flash: (text, level) => ui.getState().flashMessage(text, level),
			ask: (text, yes, no) => ui.getState().ask({text, yes, no}),
		}),
		[show, ui],
	);
	const ctx = useMemo<UiContextValue>(
		() => ({
			store,
			ui,
			services: {...noServices, ...servicesProp},
			theme: createTheme(color),
			glyphs: glyphsFor(ascii),
			clock: clockProp ?? createClock(),
			fleetView: createFleetViewOf(),
			closeOverlay,
			keys: router,
		}),
		[store, ui, servicesProp, color, ascii, clockProp, closeOverlay, router],
	);
	const quit = useCallback(() => (onQuit ? onQuit() : exit()), [onQuit, exit]);
	const env: KeyEnv = {store, ui, services: ctx.services, layout, fleetView: ctx.fleetView, exit: quit, intents};
	const dispatch = (press: KeyPress) => {
		onKeyPress?.();
		// ctrl-c always gets the user out, and a question (quit? cancel?) gets its answer, overlay or not.
		if ((press.key.ctrl && press.input === 'c') || ui.getState().confirmQuit || ui.getState().question) {
			handleKey(env, press.input, press.key, press.paste);
			return;
		}
		router.dispatch(press, p => handleKey(env, p.input, p.key, p.paste));
	};
	// While a login prompt has the terminal, no key is read here (raw mode off, stdin let go).
	useKeyReader(dispatch, {active: !lent});
	return (
		<UiContext.Provider value={ctx}>
			<Box flexDirection="column" width={layout.columns} height={layout.height} overflow="hidden">
				<Body layout={layout} overlay={overlay} />
				<StatusBar width={layout.columns} />
			</Box>
			<OperatorLogFollower />
			<InspectFollower />
		</UiContext.Provider>
	);
}
