import type {TokenHandle, Workflow} from '../../app/workflow-types.js';
import {TokenView} from './token-view.js';
import {WorkflowView} from './workflow-view.js';

// The overlays an action can ask for (ConsoleIntents): drawn in the pane area, they own the
// keyboard while open (ctrl-c still quits).

export type Overlay = {kind: 'workflow'; workflow: Workflow} | {kind: 'token'; token: TokenHandle};

export function OverlayView({overlay, width, height, close}: {overlay: Overlay; width: number; height: number; close: () => void}) {
	if (overlay.kind === 'token') return <TokenView token={overlay.token} width={width} height={height} onClose={close} />;
	return <WorkflowView workflow={overlay.workflow} width={width} height={height} close={close} />;
}
