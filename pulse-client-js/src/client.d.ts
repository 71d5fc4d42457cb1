/**
 * Type declarations of the pulse browser client, served beside it at <pulse.path>/client.d.ts and the `types` of
 * the npm package in pulse-client-js/. Checked by `tsc --noEmit` against examples/usage.ts, and against the
 * module's runtime exports by test/package.test.mjs.
 */

/** Client version, matching the pulse release that ships it. */
export declare const VERSION: string;

/** Life cycle of a client. `closed` is final. */
export type PulseClientState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Options of {@link PulseClient}; every one is optional. */
export interface PulseClientOptions {
	/** WebSocket URL: ws:, wss:, or http(s): which is converted; relative to the page. Default `/pulse`. */
	url?: string;
	/** Query parameters added to every handshake, for example `{ room: 'lobby' }`. */
	params?: Record<string, string | number | boolean | null | undefined>;
	/** Whether to reconnect after a reconnectable close (see {@link isReconnectable}). Default true. */
	reconnect?: boolean;
	/** Delay before the first reconnect attempt, in ms. Default 500. */
	initialDelayMs?: number;
	/** Longest delay between reconnect attempts, in ms. Default 15000. */
	maxDelayMs?: number;
	/** Growth of the delay per failed attempt. Default 2. */
	factor?: number;
	/** Largest random fraction taken off each delay, from 0 to 1. Default 0.5. */
	jitter?: number;
	/** Consecutive failed reconnect attempts after which the client closes. Default Infinity. */
	maxAttempts?: number;
	/**
	 * Most messages held: queued while disconnected plus sent and not yet acknowledged by the server (kept to be
	 * sent again after a resume); more make {@link PulseClient.send} return false. Default 256.
	 */
	queueLimit?: number;
	/**
	 * Time without any inbound frame after which the client sends an application-level ping, in ms. Default: the
	 * server's heartbeat interval from the welcome frame (25000 unless configured).
	 */
	pingIntervalMs?: number;
	/** Time a ping may go unanswered before the transport is considered dead and the client resumes, in ms. Default 10000. */
	pongTimeoutMs?: number;
	/**
	 * Time from dialling to the server's first frame (welcome, or resumed on a resume), in ms; a transport still
	 * silent then is closed and the client tries again, keeping its resume token. Default 10000.
	 */
	handshakeTimeoutMs?: number;
	/** Acknowledge at the latest after this many messages. Default 32. */
	ackEvery?: number;
	/** Acknowledge at the latest this long after a message, in ms. Default 1000. */
	ackDelayMs?: number;
	/**
	 * Subprotocols offered in `Sec-WebSocket-Protocol`, most preferred first; a server offering none of them refuses
	 * the handshake. Default `['pulse.v1']`.
	 */
	protocols?: string[];
	/**
	 * WebSocket constructor to use; default the global `WebSocket`. Outside a browser (Node 20 has no global
	 * WebSocket) pass one with the browser's API, such as the `ws` package's.
	 */
	WebSocket?: PulseWebSocketConstructor;
}

/** The part of the browser's WebSocket API the client uses. */
export interface PulseWebSocketLike {
	readonly readyState: number;
	onmessage: ((event: { data: unknown }) => void) | null;
	onclose: ((event: { code: number; reason: string }) => void) | null;
	onerror: ((event: unknown) => void) | null;
	send(data: string): void;
	close(code?: number, reason?: string): void;
}

/** A constructor of {@link PulseWebSocketLike}, such as the global `WebSocket`. */
export type PulseWebSocketConstructor = new (url: string, protocols?: string | string[]) => PulseWebSocketLike;

/** Detail of the `open` event: a new session started. */
export interface PulseOpenEvent {
	connectionId: string;
	/** User the session belongs to (the server's connect handler names it), null for none. */
	user: string | null;
	rooms: string[];
	/** Why a resume was refused and a new session started instead, or null on a first connection. */
	resumeFailed: 'expired' | 'unknown' | null;
	heartbeatMs: number;
	/** How long the server keeps the session after a drop, 0 when resume is disabled. */
	resumeWindowMs: number;
	/** Subprotocol the server selected, such as `pulse.v1`; null from a server that selected none. */
	protocol: string | null;
	/**
	 * Messages sent to the previous session (lost: the resume was refused) that its server had not acknowledged; it
	 * may or may not have handled them, so they are not sent again. 0 on a first connection.
	 */
	unconfirmed: number;
}

/** Detail of the `message` event. */
export interface PulseMessageEvent<T = unknown> {
	event: string;
	payload: T;
	/** Room of a broadcast, null for a direct send. */
	room: string | null;
	/** Sequence number within the session, from 1. */
	seq: number;
	/**
	 * Whether this is one of the room's past messages that follow the answer to a join with `history`, oldest first,
	 * before the room's live messages; false for every live message.
	 */
	history: boolean;
}

/** Detail of the `drop` event: the transport was lost, or a reconnect attempt failed. */
export interface PulseDropEvent {
	/** Close code: 1006 when the connection was lost without a close frame or a ping went unanswered. */
	code: number;
	reason: string;
	/** Reconnect attempt about to be made, from 1. */
	attempt: number;
	/** Delay before that attempt, in ms. */
	delayMs: number;
}

/** Detail of the `restore` event: the session was resumed. */
export interface PulseRestoreEvent {
	connectionId: string;
	/** Frames the server replays right after this event. */
	replayed: number;
	/** Frames that overflowed the server's replay buffer during the drop and are lost. */
	missed: number;
}

/**
 * Detail of the `overflow` event: a send or request was refused because the client already holds `queueLimit`
 * messages (queued while disconnected, plus sent and not yet acknowledged by the server). `send` returned false and
 * a request rejected; nothing was dropped.
 */
export interface PulseOverflowEvent {
	/** Event name of the refused message. */
	event: string;
	queueLimit: number;
	/** Messages waiting to be sent. */
	queued: number;
	/** Messages sent that the server has not acknowledged yet. */
	unconfirmed: number;
}

/** Detail of the `close` event: the client stopped for good. */
export interface PulseCloseEvent {
	code: number;
	reason: string;
}

/**
 * Detail of the `presence` event: in a room with presence, a user's first connection arrived (`joined` true) or its
 * last left (`joined` false).
 */
export interface PulsePresenceEvent {
	room: string;
	user: string;
	joined: boolean;
}

/** Events of a {@link PulseClient} and their details. */
export interface PulseClientEventMap {
	open: PulseOpenEvent;
	message: PulseMessageEvent;
	drop: PulseDropEvent;
	restore: PulseRestoreEvent;
	overflow: PulseOverflowEvent;
	error: PulseErrorEvent;
	presence: PulsePresenceEvent;
	close: PulseCloseEvent;
}

/**
 * Whether the client reconnects after a close with this code (the table of docs/protocol.md, also in the package's
 * `close-codes.json`): true for 1001, 1005, 1006, 1011, 1012, 1013, 1014 and 4002; false for 1000, application codes
 * (3000-4999, such as 4000 kicked, 4001 replaced, 4003 idle timeout), the protocol errors 1002, 1003, 1007, 1008,
 * 1009, 1010 and for 1015 (TLS handshake failed).
 */
export declare function isReconnectable(code: number): boolean;

/** Reconnect delay of an attempt (from 1): exponential, capped, shortened by up to `jitter` at random. */
export declare function backoffDelay(attempt: number,
	options: { initialDelayMs: number; maxDelayMs: number; factor: number; jitter: number },
	random?: () => number): number;

/**
 * A request answered with an error: the code and message the server's handler chose, or code `internal` when it
 * failed in any other way.
 */
export declare class PulseReplyError extends Error {
	constructor(code: string, message: string);
	/** Error code of the reply, such as `not-found` or `internal`. */
	readonly code: string;
}

/**
 * A join the server refused: the reason of its `joinFailed` answer.
 */
export declare class PulseJoinError extends Error {
	constructor(room: string, reason: string);
	/** The room that could not be joined. */
	readonly room: string;
	/** Why: `forbidden`, `invalid room` or `too many rooms`. */
	readonly reason: 'forbidden' | 'invalid room' | 'too many rooms' | string;
}

/** Options of {@link PulseClient.join} and {@link PulseClient.leave}. */
export interface PulseJoinOptions {
	/** How long to wait for the server's answer, in ms. Default 10000. */
	timeout?: number;
}

/** Options of {@link PulseClient.join}. */
export interface PulseJoinRoomOptions extends PulseJoinOptions {
	/**
	 * How many of the room's last messages to get first, 0 to 1000 (a RangeError otherwise), in a room that keeps
	 * history on the server (`pulse.rooms.history`). They arrive as `message` events with `history: true`, oldest
	 * first, right after the answer and before the room's live messages. Not asked again when the client joins the
	 * room again by itself after a new session.
	 */
	history?: number;
}

/** What {@link PulseClient.join} resolves with. */
export interface PulseJoined {
	/** Number of history messages that follow the answer: 0 when none were asked for or the room keeps none. */
	history: number;
}

/** Detail of the `error` event. */
export interface PulseErrorEvent {
	/** A room the client had joined could not be joined again after a new session. */
	error: PulseJoinError;
}

/** Options of {@link PulseClient.request}. */
export interface PulseRequestOptions {
	/** How long to wait for the reply, in ms. Default 10000. */
	timeout?: number;
}

/** A pulse connection from a browser: one logical session that survives transport drops by resuming. */
export declare class PulseClient {
	constructor(options?: PulseClientOptions);
	readonly state: PulseClientState;
	/** Id of the current session, null before the first welcome. */
	readonly connectionId: string | null;
	/** Rooms the session joined when it started. */
	readonly rooms: string[];
	/** User the current session belongs to, from its welcome; null for none or before the first welcome. */
	readonly user: string | null;
	/** Rooms joined with {@link join} and not left, in the order they were joined. */
	readonly joinedRooms: string[];
	/** Sequence number of the last message received in this session. */
	readonly lastSeq: number;
	/**
	 * Users present in a room with presence, in the order they arrived, as far as this client knows: the view of the
	 * `joined` answer to its {@link join}, kept up to date by the room's presence frames.
	 */
	presence(room: string): string[];
	/** Number of sends waiting for a connection. */
	readonly queued: number;
	/** Messages sent that the server has not acknowledged yet; with {@link queued} at most `queueLimit`. */
	readonly unconfirmed: number;
	/** The WebSocket URL, without resume parameters. */
	readonly url: string;
	/** Subscribes to an event; returns a function that unsubscribes. */
	on<K extends keyof PulseClientEventMap>(type: K, handler: (detail: PulseClientEventMap[K]) => void): () => void;
	/** Unsubscribes a handler given to {@link on}. */
	off<K extends keyof PulseClientEventMap>(type: K, handler: (detail: PulseClientEventMap[K]) => void): void;
	/** Opens the connection; does nothing if already started. */
	connect(): this;
	/**
	 * Sends an application message, or queues it while disconnected. Returns false if the client is closed or the
	 * queue is full. Throws a TypeError for an event that is not 1 to 128 characters.
	 */
	send(event: string, payload?: unknown): boolean;
	/**
	 * Sends a request and resolves with the reply's payload (the server handler's return value). Rejects with a
	 * {@link PulseReplyError} when the handler answered with an error, an Error named `TimeoutError` when no reply
	 * came within the timeout, and an Error when the client closed, the queue was full or the session was lost.
	 */
	request<T = unknown>(event: string, payload?: unknown, options?: PulseRequestOptions): Promise<T>;
	/**
	 * Asks the server to join a room, with its last `history` messages first when asked. Resolves once it answered
	 * `joined`, with the number of history messages that follow; rejects with a {@link PulseJoinError}
	 * (`forbidden`, `invalid room`, `too many rooms`), an Error named `TimeoutError`, or an Error when the client
	 * closed. The room is kept through a resume and joined again after a new session.
	 */
	join(room: string, options?: PulseJoinRoomOptions): Promise<PulseJoined>;
	/** Asks the server to leave a room; resolves once it answered `left`, also when the client was not in it. */
	leave(room: string, options?: PulseJoinOptions): Promise<void>;
	/** Closes for good with a close frame, ending the session on the server; code 1000 or 3000-4999. */
	close(code?: number, reason?: string): void;
	/** Testing aid: asks a server with pulse.debug.allow-drop=true to drop this transport without a close frame. */
	dropTransport(): boolean;
}
