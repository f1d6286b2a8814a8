// Imported first by main.ts: the OpenTelemetry SDK must patch modules before they load.
import { startTelemetry } from '@scep/telemetry';

export const telemetry = startTelemetry('signer-worker');
