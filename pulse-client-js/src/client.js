/*
 * pulse browser client: a dependency-free ES module, served by every pulse server at <pulse.path>/client.js
 * (by default /pulse/client.js), with its TypeScript declarations beside it at client.d.ts. This file is the one
 * source: the npm package in pulse-client-js/ and the starter's copy in META-INF/pulse/client/ are both it.
 *
 *   import { PulseClient } from '/pulse/client.js';
 *   const client = new PulseClient({ params: { room: 'lobby' } });
 *   client.on('message', ({ event, payload }) => console.log(event, payload));
 *   client.connect();
 *   client.send('chat', { text: 'hi' });
 *
 * It reconnects with exponential backoff and jitter, resumes its session (resume token, last seq, acks) so that no
 * frame the server could keep is lost or delivered twice, queues sends while disconnected (bounded), and pings the
 * server at application level to notice a dead connection that the browser would not report for minutes.
 */

/** Client version, matching the pulse release that ships it. */
export const VERSION = '0.1.0';

const DEFAULTS = Object.freeze({
	url: undefined,
	params: {},
	reconnect: true,
	initialDelayMs: 500,
	maxDelayMs: 15000,
	factor: 2,
	jitter: 0.5,
	maxAttempts: Infinity,
	queueLimit: 256,
	pingIntervalMs: undefined,
	pongTimeoutMs: 10000,
	handshakeTimeoutMs: 10000,
	ackEvery: 32,
	ackDelayMs: 1000,
	protocols: ['pulse.v1'],
	WebSocket: undefined,
});

const MAX_EVENT_LENGTH = 128;

const DEFAULT_REQUEST_TIMEOUT_MS = 10000;

/** Most history frames a join may ask for (docs/protocol.md); the server closes with 1007 beyond it. */
const MAX_HISTORY = 1000;

/** How every message frame the client writes starts; the client sequence number goes right after it. */
const MESSAGE_PREFIX = '{"type":"message",';

/**
 * A request answered with an error: the code and message the server's handler chose (PulseReplyException), or
 * code 'internal' when it failed in any other way.
 */
export class PulseReplyError extends Error {
	/**
	 * @param {string} code the error code of the reply
	 * @param {string} message the error message of the reply
	 */
	constructor(code, message) {
		super(message);
		this.name = 'PulseReplyError';
		/** @type {string} */
		this.code = code;
	}
}

/**
 * A join the server refused: its joinFailed answer's reason, 'forbidden', 'invalid room' or 'too many rooms'.
 */
export class PulseJoinError extends Error {
	/**
	 * @param {string} room the room
	 * @param {string} reason the reason of the answer
	 */
	constructor(room, reason) {
		super(`pulse: join of room '${room}' failed: ${reason}`);
		this.name = 'PulseJoinError';
		/** @type {string} */
		this.room = room;
		/** @type {string} */
		this.reason = reason;
	}
}

/**
 * Whether the client reconnects after the server (or the network) closed its WebSocket with this code: the close-code
 * table of docs/protocol.md, kept in close-codes.json beside this file, which the Java client implements too.
 * Reconnect and resume: 1001 (server going away, heartbeat timeout), 1005 (close frame without a code, which pulse
 * never sends: an intermediary ended the connection), 1006 (connection lost without a close frame), 1012 (service
 * restart), 1013 (try again later), 1014 (bad gateway). Reconnect to a new session: 1011 (server error) and 4002
 * (slow consumer). Anything else is final: 1000 and application codes 3000-4999 such as 4000 (kicked), 4001
 * (replaced by a newer connection) and 4003 (idle timeout), the protocol errors 1002, 1003, 1007, 1008, 1009 and
 * 1010, and 1015 (TLS handshake failed), which would only happen again.
 * @param {number} code the close code
 * @returns {boolean}
 */
export function isReconnectable(code) {
	switch (code) {
		case 1001:
		case 1005:
		case 1006:
		case 1011:
		case 1012:
		case 1013:
		case 1014:
		case 4002:
			return true;
		default:
			return false;
	}
}

/**
 * Delay before reconnect attempt number `attempt` (1 for the first): initialDelayMs * factor^(attempt - 1), capped
 * at maxDelayMs, then shortened by a random fraction of up to `jitter` so that clients dropped together do not
 * come back together.
 * @param {number} attempt the attempt number, from 1
 * @param {{initialDelayMs:number,maxDelayMs:number,factor:number,jitter:number}} options backoff settings
 * @param {() => number} [random] source of numbers in [0, 1)
 * @returns {number} the delay in milliseconds
 */
export function backoffDelay(attempt, options, random = Math.random) {
	const exponential = options.initialDelayMs * Math.pow(options.factor, Math.max(0, attempt - 1));
	const capped = Math.min(options.maxDelayMs, exponential);
	return Math.round(capped * (1 - options.jitter * random()));
}

/**
 * A pulse connection from a browser: one logical session that survives transport drops by resuming.
 *
 * States: 'idle' (not connected yet), 'connecting' (first connection), 'open', 'reconnecting', 'closed' (final).
 *
 * Events, subscribed with on(type, handler):
 * - open     {connectionId, user, rooms, resumeFailed, heartbeatMs, resumeWindowMs, protocol}: a new session started, on the first
 *            connection or when a resume was refused (resumeFailed is then 'expired' or 'unknown').
 * - message  {event, payload, room, seq, history}: an application message, in order and exactly once per session;
 *            history is true for the room's past messages that follow the answer to a join({history}), oldest first.
 * - error    {error}: a room the client had joined could not be joined again after a new session (a PulseJoinError).
 * - presence {room, user, joined}: in a room with presence, a user's first connection arrived (joined true) or its
 *            last left (joined false); in order with the room's messages. presence(room) includes it already.
 * - drop     {code, reason, attempt, delayMs}: the transport was lost (or a reconnect attempt failed); the client
 *            tries again after delayMs.
 * - restore  {connectionId, replayed, missed}: the session was resumed on a new transport; `replayed` frames follow,
 *            `missed` frames overflowed the server's replay buffer and are gone.
 * - close    {code, reason}: the client stopped for good (fired exactly once).
 */
export class PulseClient {

	#options;
	#url;
	#listeners = new Map();
	#state = 'idle';
	#ws = null;
	#connectionId = null;
	#rooms = [];
	#token = null;
	#lastSeq = 0;
	#ackedSeq = 0;
	#queue = [];
	#attempt = 0;
	#reconnectTimer = null;
	#heartbeatTimer = null;
	#ackTimer = null;
	#handshakeTimer = null;
	#lastInboundAt = 0;
	#pingSentAt = 0;
	#heartbeatMs = 0;
	#pending = new Map();
	#lastRef = 0;
	#unconfirmed = [];
	#sequenced = false;
	#lastCseq = 0;
	#everOpened = false;
	#user = null;
	/** Joins and leaves waiting for their answer, by ref. */
	#roomOperations = new Map();
	/** Rooms joined with join() and not left, as far as the answers say; joined again after a new session. */
	#joinedRooms = new Set();

	/** Per room with presence, the users there in the order they arrived: a joined answer's view and presence frames. */
	#presence = new Map();

	/**
	 * History frames still to come after a joined answer no join waits for any more (the answer to a join sent again
	 * after a resume, when the first one had arrived): they are not delivered a second time.
	 */
	#historyToSkip = 0;

	/**
	 * @param {object} [options] see client.d.ts (PulseClientOptions) for every option and its default
	 */
	constructor(options = {}) {
		this.#options = { ...DEFAULTS, ...options, params: { ...(options.params || {}) } };
		const o = this.#options;
		if (!(o.initialDelayMs > 0) || !(o.maxDelayMs >= o.initialDelayMs) || !(o.factor >= 1)
				|| !(o.jitter >= 0 && o.jitter <= 1)) {
			throw new RangeError('pulse: need initialDelayMs > 0, maxDelayMs >= initialDelayMs, factor >= 1, '
					+ '0 <= jitter <= 1');
		}
		if (!(o.queueLimit >= 0) || !(o.ackEvery >= 1) || !(o.ackDelayMs > 0) || !(o.pongTimeoutMs > 0)
				|| !(o.handshakeTimeoutMs > 0)) {
			throw new RangeError('pulse: need queueLimit >= 0, ackEvery >= 1, ackDelayMs > 0, pongTimeoutMs > 0, '
					+ 'handshakeTimeoutMs > 0');
		}
		this.#url = PulseClient.#resolveUrl(o.url);
		if (o.WebSocket === undefined && typeof globalThis.WebSocket !== 'function') {
			throw new TypeError('pulse: no global WebSocket here; pass one as the WebSocket option (in Node 20, the '
					+ "'ws' package's WebSocket)");
		}
	}

	/** Current state: 'idle', 'connecting', 'open', 'reconnecting' or 'closed'. */
	get state() {
		return this.#state;
	}

	/** Id of the current session, null before the first welcome. */
	get connectionId() {
		return this.#connectionId;
	}

	/** Rooms the session joined when it started. */
	get rooms() {
		return [...this.#rooms];
	}

	/** User the current session belongs to, from its welcome; null for none or before the first welcome. */
	get user() {
		return this.#user;
	}

	/** Rooms joined with join() and not left, in the order they were joined, as far as the server's answers say. */
	get joinedRooms() {
		return [...this.#joinedRooms];
	}

	/**
	 * Users present in a room with presence, as far as this client knows: the view of the joined answer to its
	 * join(), kept up to date by the room's presence frames. For a room the server put the connection in, the users
	 * that arrived since. Kept through a resume; after a new session the joins made again bring it back.
	 * @param {string} room
	 * @returns {string[]} in the order they arrived; empty for a room without presence or not joined
	 */
	presence(room) {
		return [...(this.#presence.get(room) ?? [])];
	}

	/** Sequence number of the last message received in this session. */
	get lastSeq() {
		return this.#lastSeq;
	}

	/** Number of sends waiting for a connection. */
	get queued() {
		return this.#queue.length;
	}

	/** Number of messages sent that the server has not acknowledged yet; re-sent after a resume if it did not process them. */
	get unconfirmed() {
		return this.#unconfirmed.length;
	}

	/** The WebSocket URL, without resume parameters. */
	get url() {
		return this.#url;
	}

	/**
	 * Subscribes to an event.
	 * @param {'open'|'message'|'drop'|'restore'|'error'|'close'} type the event
	 * @param {(detail: object) => void} handler called with the event's detail
	 * @returns {() => void} a function that unsubscribes
	 */
	on(type, handler) {
		if (!this.#listeners.has(type)) {
			this.#listeners.set(type, new Set());
		}
		this.#listeners.get(type).add(handler);
		return () => this.off(type, handler);
	}

	/**
	 * Unsubscribes a handler.
	 * @param {string} type the event
	 * @param {Function} handler the handler given to on()
	 */
	off(type, handler) {
		this.#listeners.get(type)?.delete(handler);
	}

	/**
	 * Opens the connection. Calling it again while connected does nothing.
	 * @returns {PulseClient} this client
	 */
	connect() {
		if (this.#state === 'idle') {
			this.#state = 'connecting';
			this.#dial();
		}
		return this;
	}

	/**
	 * Sends an application message. While the client is not connected the message is queued and sent in order after
	 * the next welcome or resume. To a server that takes client sequence numbers (its welcome has cseq) delivery is
	 * exactly once: the message is kept until the server acknowledges it and sent again after a resume if the server
	 * did not process it. Queued and unconfirmed messages together stay within queueLimit.
	 * @param {string} event the event name, 1 to 128 characters
	 * @param {*} [payload] any JSON value
	 * @returns {boolean} true if sent or queued, false if the client is closed or the queue is full (then the
	 *     'overflow' event fires too)
	 */
	send(event, payload) {
		return this.#enqueue(PulseClient.#frame(event, payload, undefined), null, event);
	}

	/**
	 * Sends a request and waits for the server's reply: the return value of its handler. Like send() it waits in the
	 * queue while disconnected; a reply the server queued while the transport was down is replayed on resume, so a
	 * request in flight across a resume still completes.
	 * @param {string} event the event name, 1 to 128 characters
	 * @param {*} [payload] any JSON value
	 * @param {{timeout?: number}} [options] timeout: how long to wait for the reply, in ms (default 10000)
	 * @returns {Promise<*>} resolves with the reply's payload (undefined when it has none); rejects with a
	 *     PulseReplyError carrying the code when the handler answered with an error, an Error named 'TimeoutError'
	 *     when no reply came in time, and an Error when the client is closed, the queue is full or the session the
	 *     request reached was lost before the reply arrived
	 */
	request(event, payload, options = {}) {
		const timeout = options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
		if (!(timeout > 0)) {
			throw new RangeError('pulse: request timeout must be positive');
		}
		const ref = 'r' + (++this.#lastRef);
		const text = PulseClient.#frame(event, payload, ref);
		return new Promise((resolve, reject) => {
			const request = { event, resolve, reject, written: false, timer: null };
			this.#pending.set(ref, request);
			request.timer = setTimeout(() => {
				if (this.#pending.get(ref) === request) {
					this.#pending.delete(ref);
					const error = new Error(`pulse: no reply to '${event}' (ref ${ref}) within ${timeout} ms`);
					error.name = 'TimeoutError';
					reject(error);
				}
			}, timeout);
			if (!this.#enqueue(text, ref, event)) {
				this.#settle(ref, null, new Error(this.#state === 'closed' ? 'pulse: client is closed'
					: 'pulse: send queue is full (' + this.#options.queueLimit + ')'));
			}
		});
	}

	/**
	 * Asks the server to join a room, which its room authorizer decides. Like send() the frame waits in the queue
	 * while disconnected. A room joined is kept through a resume and joined again, by the client itself, after a new
	 * session (a refusal then fires 'error'; that join asks for no history, as the page has shown it already).
	 * @param {string} room the room name, [A-Za-z0-9._:-]{1,128}
	 * @param {{timeout?: number, history?: number}} [options] timeout: how long to wait for the answer, in ms (default
	 *     10000); history: how many of the room's last messages to get first, 0 to 1000, in a room that keeps
	 *     history on the server (pulse.rooms.history); they arrive as 'message' events with history true, oldest
	 *     first, right after the answer and before the room's live messages
	 * @returns {Promise<{history: number}>} resolves once the server answered joined (the room's history and
	 *     broadcasts come after it) with the number of history messages that follow (0 when none were asked for or
	 *     the room keeps none); rejects with a PulseJoinError carrying the reason ('forbidden', 'invalid room',
	 *     'too many rooms'), an Error named 'TimeoutError' when no answer came in time (the client then does not
	 *     know: join or leave again), and an Error when the client is closed
	 */
	join(room, options = {}) {
		const history = options.history;
		if (history !== undefined && !(Number.isInteger(history) && history >= 0 && history <= MAX_HISTORY)) {
			throw new RangeError('pulse: join history must be an integer from 0 to ' + MAX_HISTORY);
		}
		return this.#roomOperation(true, room, options);
	}

	/**
	 * Asks the server to leave a room, also one the server put the client in; the client no longer joins it again
	 * after a new session.
	 * @param {string} room the room name
	 * @param {{timeout?: number}} [options] timeout: how long to wait for the answer, in ms (default 10000)
	 * @returns {Promise<void>} resolves once the server answered left (no broadcast of the room comes after it), also
	 *     when the client was not in the room; rejects as join() does
	 */
	leave(room, options = {}) {
		return this.#roomOperation(false, room, options);
	}

	#roomOperation(join, room, options) {
		const timeout = options.timeout ?? DEFAULT_REQUEST_TIMEOUT_MS;
		if (!(timeout > 0)) {
			throw new RangeError('pulse: ' + (join ? 'join' : 'leave') + ' timeout must be positive');
		}
		if (typeof room !== 'string') {
			throw new TypeError('pulse: room must be a string');
		}
		if (this.#state === 'closed') {
			return Promise.reject(new Error('pulse: client is closed'));
		}
		return new Promise((resolve, reject) => {
			const operation = this.#queueRoomOperation(join, room, { resolve, reject }, options.history);
			operation.timer = setTimeout(() => {
				if (this.#roomOperations.get(operation.ref) === operation) {
					this.#roomOperations.delete(operation.ref);
					const error = new Error(`pulse: no answer to the ${join ? 'join' : 'leave'} of room '${room}' `
						+ `within ${timeout} ms`);
					error.name = 'TimeoutError';
					reject(error);
				}
			}, timeout);
		});
	}

	/**
	 * Records a join or leave and sends or queues its frame, unnumbered, at the end of the queue; `waiter` is null
	 * for a rejoin the client makes itself; `history` is undefined when the join asks for none.
	 */
	#queueRoomOperation(join, room, waiter, history) {
		const ref = 'j' + (++this.#lastRef);
		const text = JSON.stringify({ type: join ? 'join' : 'leave', room, ref, history });
		const operation = { ref, join, room, text, waiter, timer: null };
		this.#roomOperations.set(ref, operation);
		this.#queueRoomFrame(operation);
		return operation;
	}

	#queueRoomFrame(operation) {
		const entry = { text: operation.text, ref: null, cseq: 0, room: true };
		if (!(this.#state === 'open' && this.#queue.length === 0 && this.#send(entry))) {
			this.#queue.push(entry);
		}
	}

	/**
	 * Sends again the joins and leaves that went out and got no answer, which a dropped transport may have lost (a
	 * repeated one is answered as the first was); after a new session also joins again the rooms it had joined.
	 */
	#resendRoomOperations(newSession) {
		const rejoin = newSession ? [...this.#joinedRooms].filter((room) =>
			![...this.#roomOperations.values()].some((operation) => operation.room === room)) : [];
		for (const operation of this.#roomOperations.values()) {
			if (!this.#queue.some((entry) => entry.text === operation.text)) {
				this.#queue.push({ text: operation.text, ref: null, cseq: 0, room: true });
			}
		}
		for (const room of rejoin) {
			this.#queueRoomOperation(true, room, null);
		}
	}

	#onRoomAnswer(frame) {
		if (frame.type === 'joined' && Array.isArray(frame.presence)) {
			this.#presence.set(String(frame.room), new Set(frame.presence.map((entry) => String(entry.user))));
		}
		else if (frame.type !== 'joined') {
			this.#presence.delete(String(frame.room));
		}
		const operation = this.#roomOperations.get(String(frame.ref));
		const history = frame.type === 'joined' && Number.isInteger(frame.history) && frame.history > 0
			? frame.history : 0;
		if (!operation || operation.room !== frame.room) {
			this.#historyToSkip += history;
			return;
		}
		this.#roomOperations.delete(operation.ref);
		clearTimeout(operation.timer);
		if (frame.type === 'joined') {
			this.#joinedRooms.add(operation.room);
		}
		else {
			this.#joinedRooms.delete(operation.room);
		}
		const failure = frame.type === 'joinFailed' ? new PulseJoinError(operation.room, String(frame.reason)) : null;
		if (operation.waiter === null) {
			if (failure) {
				this.#emit('error', { error: failure });
			}
		}
		else if (failure) {
			operation.waiter.reject(failure);
		}
		else {
			operation.waiter.resolve(operation.join ? { history } : undefined);
		}
	}

	static #frame(event, payload, ref) {
		if (typeof event !== 'string' || event.length === 0 || event.length > MAX_EVENT_LENGTH) {
			throw new TypeError('pulse: event must be a string of 1 to ' + MAX_EVENT_LENGTH + ' characters');
		}
		const frame = { type: 'message', event };
		if (ref !== undefined) {
			frame.ref = ref;
		}
		if (payload !== undefined) {
			frame.payload = payload;
		}
		return JSON.stringify(frame);
	}

	#enqueue(text, ref, event) {
		if (this.#state === 'closed') {
			return false;
		}
		const entry = { text, ref, cseq: 0 };
		const direct = this.#state === 'open' && this.#queue.length === 0;
		// a message is held (queued, or kept until the server acknowledges it) within queueLimit
		if ((!direct || this.#sequenced) && this.#queue.length + this.#unconfirmed.length >= this.#options.queueLimit) {
			// refused, never dropped silently: the caller sees false (or a rejected request) and listeners this event
			this.#emit('overflow', {
				event, queueLimit: this.#options.queueLimit, queued: this.#queue.length,
				unconfirmed: this.#unconfirmed.length,
			});
			return false;
		}
		if (direct && this.#send(entry)) {
			return true;
		}
		this.#queue.push(entry);
		return true;
	}

	/** Transmits a queued entry, marking a request as having reached the current session. */
	#send(entry) {
		if (this.#sequenced && entry.cseq === 0 && !entry.room) {
			entry.cseq = ++this.#lastCseq;
		}
		if (!this.#transmit(entry.cseq === 0 ? entry.text
			: MESSAGE_PREFIX + '"cseq":' + entry.cseq + ',' + entry.text.slice(MESSAGE_PREFIX.length))) {
			return false;
		}
		if (entry.cseq > 0) {
			// kept until the server acknowledges it: a resume sends it again if the server did not process it
			this.#unconfirmed.push(entry);
		}
		const request = entry.ref !== null ? this.#pending.get(entry.ref) : undefined;
		if (request) {
			request.written = true;
		}
		return true;
	}

	/** Resolves or rejects a waiting request, once. */
	#settle(ref, reply, failure) {
		const request = this.#pending.get(ref);
		if (!request) {
			return;
		}
		this.#pending.delete(ref);
		clearTimeout(request.timer);
		if (failure) {
			request.reject(failure);
		}
		else if (reply.error && typeof reply.error === 'object') {
			request.reject(new PulseReplyError(String(reply.error.code), String(reply.error.message)));
		}
		else {
			request.resolve(reply.payload);
		}
	}

	/**
	 * Closes the connection for good with a close frame, which ends the session on the server. Queued sends are
	 * discarded. Fires 'close' once.
	 * @param {number} [code] 1000 or an application code from 3000 to 4999
	 * @param {string} [reason] the reason, at most 123 bytes
	 */
	close(code = 1000, reason = '') {
		if (code !== 1000 && (code < 3000 || code > 4999)) {
			throw new RangeError('pulse: close code must be 1000 or from 3000 to 4999');
		}
		if (this.#state === 'closed') {
			return;
		}
		const ws = this.#ws;
		this.#detach();
		if (ws && ws.readyState <= 1) {
			ws.close(code, reason);
		}
		this.#finish(code, reason);
	}

	/**
	 * Testing aid: asks the server to drop this client's transport without a close frame, as a network failure
	 * would, so that the client resumes. Works only when the server sets pulse.debug.allow-drop=true.
	 * @returns {boolean} true if the request was sent
	 */
	dropTransport() {
		return this.#state === 'open' && this.#transmit(JSON.stringify({ type: 'message', event: 'pulse.drop' }));
	}

	// ---- transport

	#dial() {
		const url = new URL(this.#url);
		for (const [name, value] of Object.entries(this.#options.params)) {
			if (value !== undefined && value !== null) {
				url.searchParams.set(name, String(value));
			}
		}
		if (this.#token) {
			url.searchParams.set('resume', this.#token);
			url.searchParams.set('lastSeq', String(this.#lastSeq));
		}
		let ws;
		try {
			const WebSocketImpl = this.#options.WebSocket ?? globalThis.WebSocket;
			ws = new WebSocketImpl(url.toString(), this.#options.protocols);
		}
		catch (error) {
			// only a malformed URL throws here, which retrying cannot fix
			this.#finish(1006, String(error));
			return;
		}
		this.#ws = ws;
		// browsers bound neither the opening handshake nor the wait for the first frame
		this.#handshakeTimer = setTimeout(() => this.#handshakeTimedOut(ws), this.#options.handshakeTimeoutMs);
		ws.onmessage = (event) => this.#onFrame(ws, event.data);
		ws.onclose = (event) => this.#onTransportClosed(ws, event.code, event.reason);
		ws.onerror = () => {
			// always followed by onclose, which decides what to do
		};
	}

	#onFrame(ws, data) {
		if (ws !== this.#ws || typeof data !== 'string') {
			return;
		}
		this.#lastInboundAt = Date.now();
		let frame;
		try {
			frame = JSON.parse(data);
		}
		catch {
			return;
		}
		switch (frame.type) {
			case 'message':
			case 'reply':
			case 'joined':
			case 'joinFailed':
			case 'left':
			case 'presence':
				this.#onMessage(frame);
				break;
			case 'welcome':
				this.#onWelcome(frame);
				break;
			case 'resumed':
				this.#onResumed(frame);
				break;
			case 'ack':
				this.#onServerAck(frame);
				break;
			default:
				// pong, or a type from a newer server: being alive is all that matters
				break;
		}
	}

	#onWelcome(frame) {
		const resuming = this.#token !== null && this.#connectionId !== null;
		// messages the lost session may or may not have processed: not sent again, reported in 'open'
		const unconfirmed = this.#takeNumbered().length;
		this.#sequenced = typeof frame.cseq === 'number';
		this.#lastCseq = 0;
		this.#connectionId = frame.connectionId;
		this.#user = typeof frame.user === 'string' ? frame.user : null;
		this.#rooms = Array.isArray(frame.rooms) ? frame.rooms : [];
		this.#token = frame.resumeToken || null;
		this.#lastSeq = 0;
		this.#ackedSeq = 0;
		this.#heartbeatMs = frame.heartbeatMs || 0;
		if (resuming) {
			// a new session: nothing will answer the requests the old one received
			for (const [ref, request] of [...this.#pending]) {
				if (request.written) {
					this.#settle(ref, null, new Error(`pulse: session lost before the reply to '${request.event}' `
						+ `(ref ${ref}) arrived; the server may or may not have handled it`));
				}
			}
		}
		if (this.#everOpened) {
			this.#presence.clear();
			this.#resendRoomOperations(true);
		}
		this.#everOpened = true;
		this.#becomeOpen();
		this.#emit('open', {
			connectionId: frame.connectionId,
			user: this.#user,
			rooms: [...this.#rooms],
			resumeFailed: frame.resumeFailed || (resuming ? 'unknown' : null),
			heartbeatMs: frame.heartbeatMs,
			resumeWindowMs: frame.resumeWindowMs || 0,
			protocol: frame.protocol || null,
			unconfirmed,
		});
		this.#flushQueue();
	}

	#onResumed(frame) {
		this.#connectionId = frame.connectionId;
		this.#token = frame.resumeToken || null;
		// what the server processed is done; the rest goes again, first, in order and under its own numbers.
		// Without cseq (the session came from another server) everything unconfirmed goes again
		const processed = typeof frame.cseq === 'number' ? frame.cseq : 0;
		this.#queue.unshift(...this.#takeNumbered().filter((entry) => entry.cseq > processed));
		this.#resendRoomOperations(false);
		this.#becomeOpen();
		this.#emit('restore', { connectionId: frame.connectionId, replayed: frame.replayed, missed: frame.missed });
		this.#flushQueue();
	}

	/** The server acknowledged every message up to frame.cseq. */
	#onServerAck(frame) {
		if (typeof frame.cseq === 'number') {
			while (this.#unconfirmed.length > 0 && this.#unconfirmed[0].cseq <= frame.cseq) {
				this.#unconfirmed.shift();
			}
		}
	}

	/** Takes the numbered messages: the unconfirmed ones and those an earlier resume put back in the queue. */
	#takeNumbered() {
		const numbered = this.#unconfirmed;
		this.#unconfirmed = [];
		while (this.#queue.length > 0 && this.#queue[0].cseq > 0) {
			numbered.push(this.#queue.shift());
		}
		return numbered;
	}

	#onMessage(frame) {
		if (typeof frame.seq === 'number') {
			if (frame.seq <= this.#lastSeq) {
				return; // already delivered: a replay overlapping what arrived before the drop
			}
			this.#lastSeq = frame.seq;
			this.#scheduleAck();
		}
		if (frame.type === 'reply') {
			this.#settle(String(frame.ref), frame, null);
			return;
		}
		if (frame.type === 'presence') {
			this.#onPresence(frame);
			return;
		}
		if (frame.type !== 'message') {
			this.#onRoomAnswer(frame);
			return;
		}
		const history = frame.history === true;
		if (history && this.#historyToSkip > 0) {
			this.#historyToSkip--;
			return;
		}
		this.#emit('message', {
			event: frame.event, payload: frame.payload, room: frame.room ?? null, seq: frame.seq, history,
		});
	}

	#onPresence(frame) {
		const joined = frame.joined !== undefined;
		const room = String(frame.room);
		const user = String((joined ? frame.joined : frame.left)?.user);
		if (joined) {
			if (!this.#presence.has(room)) {
				this.#presence.set(room, new Set());
			}
			this.#presence.get(room).add(user);
		}
		else {
			this.#presence.get(room)?.delete(user);
		}
		this.#emit('presence', { room, user, joined });
	}

	#becomeOpen() {
		clearTimeout(this.#handshakeTimer);
		this.#handshakeTimer = null;
		this.#state = 'open';
		this.#attempt = 0;
		this.#pingSentAt = 0;
		this.#startHeartbeat();
	}

	#onTransportClosed(ws, code, reason) {
		if (ws !== this.#ws) {
			return;
		}
		this.#detach();
		if (this.#options.reconnect && isReconnectable(code)) {
			this.#scheduleReconnect(code, reason);
		}
		else {
			this.#finish(code, reason);
		}
	}

	/** The server stopped answering: give up on this transport without a close frame, which would end the session. */
	#abandon() {
		this.#detach();
		this.#scheduleReconnect(1006, 'no answer to ping within ' + this.#options.pongTimeoutMs + ' ms');
	}

	/**
	 * Neither welcome nor resumed arrived in time: the server accepted (or is still accepting) the WebSocket but is
	 * stuck. Unlike #abandon this closes the socket, since a browser cannot drop one without a close frame and
	 * every retry would otherwise leave another open; the token is kept, so the next attempt resumes.
	 */
	#handshakeTimedOut(ws) {
		if (ws !== this.#ws) {
			return;
		}
		this.#detach();
		ws.close(1000, 'handshake timeout');
		const reason = 'no welcome or resumed frame within ' + this.#options.handshakeTimeoutMs + ' ms';
		if (this.#options.reconnect) {
			this.#scheduleReconnect(1006, reason);
		}
		else {
			this.#finish(1006, reason);
		}
	}

	#scheduleReconnect(code, reason) {
		this.#attempt++;
		if (this.#attempt > this.#options.maxAttempts) {
			this.#finish(code, 'gave up after ' + this.#options.maxAttempts + ' reconnect attempts: ' + reason);
			return;
		}
		const delayMs = backoffDelay(this.#attempt, this.#options);
		this.#state = 'reconnecting';
		this.#emit('drop', { code, reason, attempt: this.#attempt, delayMs });
		if (this.#state !== 'reconnecting') {
			return; // a drop handler closed the client
		}
		this.#reconnectTimer = setTimeout(() => {
			this.#reconnectTimer = null;
			this.#dial();
		}, delayMs);
	}

	/** Forgets the current transport: no more callbacks from it, timers stopped. It is not closed. */
	#detach() {
		const ws = this.#ws;
		if (ws) {
			ws.onmessage = null;
			ws.onclose = null;
			ws.onerror = null;
		}
		this.#ws = null;
		clearInterval(this.#heartbeatTimer);
		clearTimeout(this.#ackTimer);
		clearTimeout(this.#reconnectTimer);
		clearTimeout(this.#handshakeTimer);
		this.#heartbeatTimer = null;
		this.#handshakeTimer = null;
		this.#ackTimer = null;
		this.#reconnectTimer = null;
	}

	#finish(code, reason) {
		this.#detach();
		this.#queue = [];
		this.#unconfirmed = [];
		this.#state = 'closed';
		for (const ref of [...this.#pending.keys()]) {
			this.#settle(ref, null, new Error(`pulse: client closed (${code} ${reason}) before the reply arrived`));
		}
		const operations = [...this.#roomOperations.values()];
		this.#roomOperations.clear();
		for (const operation of operations) {
			clearTimeout(operation.timer);
			operation.waiter?.reject(new Error(`pulse: client closed (${code} ${reason}) before the room's answer `
				+ 'arrived'));
		}
		this.#emit('close', { code, reason });
	}

	#transmit(text) {
		const ws = this.#ws;
		if (!ws || ws.readyState !== 1) {
			return false;
		}
		ws.send(text);
		return true;
	}

	#flushQueue() {
		while (this.#queue.length > 0 && this.#state === 'open') {
			if (!this.#send(this.#queue[0])) {
				return;
			}
			this.#queue.shift();
		}
	}

	// ---- acks and heartbeat

	#scheduleAck() {
		if (this.#lastSeq - this.#ackedSeq >= this.#options.ackEvery) {
			this.#sendAck();
		}
		else if (this.#ackTimer === null) {
			this.#ackTimer = setTimeout(() => {
				this.#ackTimer = null;
				this.#sendAck();
			}, this.#options.ackDelayMs);
		}
	}

	#sendAck() {
		clearTimeout(this.#ackTimer);
		this.#ackTimer = null;
		if (this.#lastSeq > this.#ackedSeq && this.#transmit(JSON.stringify({ type: 'ack', seq: this.#lastSeq }))) {
			this.#ackedSeq = this.#lastSeq;
		}
	}

	#pingIntervalMs() {
		return this.#options.pingIntervalMs || this.#heartbeatMs || 25000;
	}

	#startHeartbeat() {
		clearInterval(this.#heartbeatTimer);
		this.#lastInboundAt = Date.now();
		const period = Math.max(100, Math.min(this.#pingIntervalMs(), this.#options.pongTimeoutMs) / 4);
		const ws = this.#ws;
		const timer = setInterval(() => {
			if (ws === this.#ws && this.#state === 'open') {
				this.#checkHeartbeat();
			}
			else {
				clearInterval(timer);
			}
		}, period);
		this.#heartbeatTimer = timer;
	}

	#checkHeartbeat() {
		const now = Date.now();
		if (this.#pingSentAt > 0) {
			if (this.#lastInboundAt >= this.#pingSentAt) {
				this.#pingSentAt = 0;
			}
			else if (now - this.#pingSentAt >= this.#options.pongTimeoutMs) {
				this.#abandon();
				return;
			}
		}
		if (this.#pingSentAt === 0 && now - this.#lastInboundAt >= this.#pingIntervalMs()) {
			if (this.#transmit('{"type":"ping"}')) {
				this.#pingSentAt = now;
			}
		}
	}

	// ---- events

	#emit(type, detail) {
		const handlers = this.#listeners.get(type);
		if (!handlers) {
			return;
		}
		for (const handler of [...handlers]) {
			try {
				handler(detail);
			}
			catch (error) {
				// a failing handler must not break the client or the other handlers; report it as uncaught
				queueMicrotask(() => {
					throw error;
				});
			}
		}
	}

	static #resolveUrl(url) {
		const base = (typeof location !== 'undefined') ? location.href : undefined;
		const resolved = new URL(url ?? '/pulse', base);
		if (resolved.protocol === 'http:') {
			resolved.protocol = 'ws:';
		}
		else if (resolved.protocol === 'https:') {
			resolved.protocol = 'wss:';
		}
		if (resolved.protocol !== 'ws:' && resolved.protocol !== 'wss:') {
			throw new TypeError('pulse: url must be ws:, wss:, http: or https:, not ' + resolved.protocol);
		}
		return resolved.toString();
	}

}
