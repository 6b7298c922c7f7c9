/**
 * Shared Signals (SSF 1.0 with CAEP and RISC events): the receiver, its
 * options, its events and the stream management types. Web-standard code
 * only; the framework adapters mount {@link SignalReceiver.push}.
 */
export type { SignalEvent, SignalListener } from "./events.js";
export {
  parseSignalsOptions,
  type ResolvedSignalsOptions,
  type SignalsOptions,
  signalsOptionsSchema,
} from "./options.js";
export { createSignalReceiver, SignalReceiver, type SignalReceiverDeps } from "./receiver.js";
export type { StreamTokenSource } from "./ssf/bearer.js";
export { DEFAULT_EVENTS_REQUESTED, SSF_EVENT_TYPES } from "./ssf/event-types.js";
export type { PushErrorCode, PushHandler } from "./ssf/push.js";
export type { StreamConfiguration, StreamRequest, StreamStatus, StreamSubject } from "./ssf/streams.js";
export type { SubjectMapping, UnmappedReason } from "./ssf/subject.js";
export { TransmitterStreams } from "./streams.js";
