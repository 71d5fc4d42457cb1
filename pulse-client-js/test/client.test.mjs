// Unit tests of the browser client (src/client.js) on a fake WebSocket with mocked timers: reconnect policy,
// resume parameters, dedupe, queue, acks and the app-level ping.
import { test, beforeEach, afterEach, mock } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { PulseClient, PulseReplyError, isReconnectable, backoffDelay } from '../src/client.js';

// the one close-code table, shared with the Java client's CloseCodePolicyTests
const closeCodes = JSON.parse(readFileSync(new URL('../src/close-codes.json', import.meta.url), 'utf8'));

class FakeWebSocket {
	static instances = [];

	constructor(url, protocols) {
		this.url = new URL(url);
		this.protocols = protocols;
		this.readyState = 0;
		this.sent = [];
		this.closedWith = null;
		FakeWebSocket.instances.push(this);
	}

	send(text) {
		this.sent.push(JSON.parse(text));
	}

	close(code, reason) {
		this.closedWith = { code, reason };
		this.readyState = 2;
	}

	// ---- what the server or the network does
	open() {
		this.readyState = 1;
		this.onopen?.();
	}

	receive(frame) {
		this.onmessage?.({ data: JSON.stringify(frame) });
	}

	closeFromServer(code, reason = '') {
		this.readyState = 3;
		this.onclose?.({ code, reason });
	}

	welcome(id = 'c1', token = 'token-1') {
		this.open();
		this.receive({ type: 'welcome', connectionId: id, rooms: ['lobby'], heartbeatMs: 25000, resumeToken: token,
			resumeWindowMs: 30000 });
	}

	messages() {
		return this.sent.filter((frame) => frame.type === 'message');
	}
}

const latest = () => FakeWebSocket.instances[FakeWebSocket.instances.length - 1];

function record(client) {
	const events = [];
	for (const type of ['open', 'message', 'drop', 'restore', 'close']) {
		client.on(type, (detail) => events.push({ type, ...detail }));
	}
	return events;
}

function message(seq, text) {
	return { type: 'message', seq, event: 'chat', room: 'lobby', payload: { text } };
}

beforeEach(() => {
	FakeWebSocket.instances = [];
	globalThis.WebSocket = FakeWebSocket;
	mock.timers.enable({ apis: ['setTimeout', 'setInterval', 'Date'] });
});

afterEach(() => {
	mock.timers.reset();
	delete globalThis.WebSocket;
});

test('every code of the shared close-code table reconnects exactly when its action is not stop', () => {
	assert.ok(closeCodes.codes.length >= 19);
	for (const { code, action } of closeCodes.codes) {
		assert.ok(['resume', 'reconnect', 'stop'].includes(action), action);
		assert.equal(isReconnectable(code), action !== 'stop', `reconnects after ${code} (${action})`);
	}
	for (const code of closeCodes.stopExamples) {
		assert.equal(isReconnectable(code), closeCodes.default !== 'stop', 'no reconnect after ' + code);
	}
	for (let code = 0; code < 6000; code++) {
		if (isReconnectable(code)) {
			assert.ok(closeCodes.codes.some((row) => row.code === code), `reconnecting code ${code} is in the table`);
		}
	}
});

test('pulse.v1 is offered by default and the selected protocol is reported in open', () => {
	const client = new PulseClient({ url: 'ws://server/pulse' });
	const events = record(client);
	client.connect();
	assert.deepEqual(latest().protocols, ['pulse.v1']);
	latest().open();
	latest().receive({ type: 'welcome', connectionId: 'c1', rooms: [], heartbeatMs: 25000, protocol: 'pulse.v1' });
	assert.equal(events.find((event) => event.type === 'open').protocol, 'pulse.v1');
	const other = new PulseClient({ url: 'ws://server/pulse', protocols: ['pulse.v2', 'pulse.v1'] });
	other.connect();
	assert.deepEqual(latest().protocols, ['pulse.v2', 'pulse.v1']);
	client.close();
	other.close();
});

test('backoff grows exponentially to the cap and jitter only shortens it', () => {
	const options = { initialDelayMs: 500, maxDelayMs: 15000, factor: 2, jitter: 0.5 };
	assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, options, () => 0)),
		[500, 1000, 2000, 4000, 8000, 15000, 15000]);
	assert.equal(backoffDelay(1, options, () => 0.999999), 250);
	assert.equal(backoffDelay(10, options, () => 0.5), 11250);
});

test('a dropped transport resumes with token and last seq, and replayed duplicates are delivered once', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', params: { room: 'lobby' }, initialDelayMs: 100, jitter: 0 });
	const events = record(client);
	client.connect();
	const first = latest();
	assert.equal(first.url.searchParams.get('room'), 'lobby');
	assert.equal(first.url.searchParams.has('resume'), false);
	first.welcome('c1', 'token-1');
	first.receive(message(1, 'one'));
	first.receive(message(2, 'two'));

	first.closeFromServer(1006);
	assert.equal(client.state, 'reconnecting');
	assert.deepEqual(events.at(-1), { type: 'drop', code: 1006, reason: '', attempt: 1, delayMs: 100 });
	mock.timers.tick(99);
	assert.equal(FakeWebSocket.instances.length, 1);
	mock.timers.tick(1);

	const second = latest();
	assert.equal(second.url.searchParams.get('room'), 'lobby');
	assert.equal(second.url.searchParams.get('resume'), 'token-1');
	assert.equal(second.url.searchParams.get('lastSeq'), '2');
	second.open();
	second.receive({ type: 'resumed', connectionId: 'c1', resumeToken: 'token-2', replayed: 2, missed: 0 });
	second.receive(message(2, 'two again'));
	second.receive(message(3, 'three'));
	assert.equal(client.state, 'open');
	assert.deepEqual(events.filter((e) => e.type === 'restore'),
		[{ type: 'restore', connectionId: 'c1', replayed: 2, missed: 0 }]);
	assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => e.payload.text), ['one', 'two', 'three']);

	second.closeFromServer(1001, 'heartbeat timeout');
	mock.timers.tick(100);
	assert.equal(latest().url.searchParams.get('resume'), 'token-2', 'the token is replaced on every resume');
	assert.equal(latest().url.searchParams.get('lastSeq'), '3');
});

test('a refused resume starts a new session, reported by open with the reason', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, jitter: 0 });
	const events = record(client);
	client.connect();
	latest().welcome('c1', 'token-1');
	latest().receive(message(1, 'one'));
	latest().closeFromServer(1006);
	mock.timers.tick(10);
	latest().open();
	latest().receive({ type: 'welcome', connectionId: 'c2', rooms: ['lobby'], heartbeatMs: 25000, resumeToken: 't2',
		resumeWindowMs: 30000, resumeFailed: 'expired' });
	latest().receive(message(1, 'new session'));
	const opens = events.filter((e) => e.type === 'open');
	assert.equal(opens.length, 2);
	assert.equal(opens[1].connectionId, 'c2');
	assert.equal(opens[1].resumeFailed, 'expired');
	assert.equal(client.lastSeq, 1);
	assert.equal(events.filter((e) => e.type === 'message').length, 2, 'seq 1 of the new session is not a duplicate');
});

for (const code of [4000, 4001, 1007, 1003, 1009, 1008, 1000, 4003]) {
	test(`a close with ${code} is final: close fires once and nothing reconnects`, () => {
		const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10 });
		const events = record(client);
		client.connect();
		latest().welcome();
		latest().closeFromServer(code, 'because');
		mock.timers.tick(60000);
		assert.equal(FakeWebSocket.instances.length, 1);
		assert.equal(client.state, 'closed');
		assert.deepEqual(events.filter((e) => e.type === 'close' || e.type === 'drop'),
			[{ type: 'close', code, reason: 'because' }]);
		assert.equal(client.send('chat', 'late'), false);
	});
}

for (const code of [1001, 1012, 1013, 4002]) {
	test(`a close with ${code} reconnects`, () => {
		const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, jitter: 0 });
		client.connect();
		latest().welcome();
		latest().closeFromServer(code);
		mock.timers.tick(10);
		assert.equal(FakeWebSocket.instances.length, 2);
	});
}

test('sends wait in a bounded queue while disconnected and go out in order after the resume', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, jitter: 0, queueLimit: 2 });
	client.connect();
	assert.equal(client.send('chat', 'before welcome'), true);
	latest().welcome();
	assert.deepEqual(latest().messages().map((m) => m.payload), ['before welcome']);
	latest().closeFromServer(1006);
	assert.equal(client.send('chat', 'a'), true);
	assert.equal(client.send('chat', 'b'), true);
	assert.equal(client.send('chat', 'c'), false, 'the queue is full');
	assert.equal(client.queued, 2);
	mock.timers.tick(10);
	latest().open();
	assert.deepEqual(latest().messages(), [], 'nothing is sent before the session is resumed');
	latest().receive({ type: 'resumed', connectionId: 'c1', resumeToken: 't', replayed: 0, missed: 0 });
	assert.deepEqual(latest().messages().map((m) => m.payload), ['a', 'b']);
	assert.equal(client.queued, 0);
});

test('received messages are acknowledged every ackEvery frames and after ackDelayMs', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', ackEvery: 3, ackDelayMs: 500 });
	client.connect();
	const ws = latest();
	ws.welcome();
	ws.receive(message(1, 'a'));
	ws.receive(message(2, 'b'));
	assert.deepEqual(ws.sent.filter((f) => f.type === 'ack'), []);
	ws.receive(message(3, 'c'));
	assert.deepEqual(ws.sent.filter((f) => f.type === 'ack'), [{ type: 'ack', seq: 3 }]);
	ws.receive(message(4, 'd'));
	mock.timers.tick(499);
	assert.equal(ws.sent.filter((f) => f.type === 'ack').length, 1);
	mock.timers.tick(1);
	assert.deepEqual(ws.sent.filter((f) => f.type === 'ack').at(-1), { type: 'ack', seq: 4 });
});

test('an unanswered app-level ping abandons the transport without a close frame and resumes', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', pingIntervalMs: 1000, pongTimeoutMs: 400,
		initialDelayMs: 10, jitter: 0 });
	const events = record(client);
	client.connect();
	const ws = latest();
	ws.welcome('c1', 'token-1');
	mock.timers.tick(1000);
	assert.deepEqual(ws.sent.filter((f) => f.type === 'ping'), [{ type: 'ping' }]);
	ws.receive({ type: 'pong' });
	mock.timers.tick(1000);
	assert.equal(ws.sent.filter((f) => f.type === 'ping').length, 2, 'a pong keeps the transport; the next ping goes out');
	mock.timers.tick(500);
	assert.equal(ws.closedWith, null, 'a close frame would end the session on the server');
	assert.equal(events.at(-1).type, 'drop');
	assert.equal(events.at(-1).code, 1006);
	mock.timers.tick(10);
	assert.equal(latest().url.searchParams.get('resume'), 'token-1');
	ws.receive(message(1, 'from the abandoned socket'));
	assert.equal(events.filter((e) => e.type === 'message').length, 0, 'an abandoned transport is ignored');
});

test('close sends a close frame, discards the queue and fires close exactly once', () => {
	const client = new PulseClient({ url: 'ws://server/pulse' });
	const events = record(client);
	client.connect();
	const ws = latest();
	ws.welcome();
	client.close();
	client.close();
	assert.deepEqual(ws.closedWith, { code: 1000, reason: '' });
	assert.deepEqual(events.filter((e) => e.type === 'close'), [{ type: 'close', code: 1000, reason: '' }]);
	assert.equal(client.state, 'closed');
	assert.throws(() => new PulseClient({ url: 'ws://server/pulse' }).close(1006), RangeError);
});

test('after maxAttempts failed reconnects the client gives up', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, maxDelayMs: 10, jitter: 0,
		maxAttempts: 2 });
	const events = record(client);
	client.connect();
	latest().closeFromServer(1006);
	mock.timers.tick(10);
	latest().closeFromServer(1006);
	mock.timers.tick(10);
	latest().closeFromServer(1006);
	assert.equal(FakeWebSocket.instances.length, 3);
	assert.equal(client.state, 'closed');
	assert.equal(events.filter((e) => e.type === 'drop').length, 2);
	assert.equal(events.at(-1).type, 'close');
});

test('http urls become ws urls and events are validated', () => {
	assert.equal(new PulseClient({ url: 'https://example.test/pulse' }).url, 'wss://example.test/pulse');
	const client = new PulseClient({ url: 'ws://server/pulse' });
	assert.throws(() => client.send('', 1), TypeError);
	assert.throws(() => client.send('x'.repeat(129), 1), TypeError);
});

test('a server that opens the WebSocket but never sends welcome is given up after handshakeTimeoutMs', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', handshakeTimeoutMs: 3000, initialDelayMs: 10,
		jitter: 0 });
	const events = record(client);
	client.connect();
	const silent = latest();
	silent.open();
	mock.timers.tick(2999);
	assert.equal(client.state, 'connecting');
	mock.timers.tick(1);
	assert.deepEqual(silent.closedWith, { code: 1000, reason: 'handshake timeout' },
		'a browser can only let go of the socket with a close frame');
	assert.equal(client.state, 'reconnecting');
	assert.deepEqual(events, [{ type: 'drop', code: 1006, reason: 'no welcome or resumed frame within 3000 ms',
		attempt: 1, delayMs: 10 }]);
	mock.timers.tick(10);
	assert.equal(FakeWebSocket.instances.length, 2);
	latest().welcome('c1', 'token-1');
	silent.receive({ type: 'welcome', connectionId: 'late', rooms: [], heartbeatMs: 25000, resumeToken: 'x' });
	assert.equal(client.connectionId, 'c1', 'a late frame on the given-up socket is ignored');
	mock.timers.tick(60000);
	assert.equal(client.state, 'open', 'the timer is cancelled by the welcome');
	assert.equal(FakeWebSocket.instances.length, 2);
});

test('a resume that is never answered keeps the token for the next attempt', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', handshakeTimeoutMs: 3000, initialDelayMs: 10,
		jitter: 0 });
	const events = record(client);
	client.connect();
	latest().welcome('c1', 'token-1');
	latest().receive(message(1, 'one'));
	latest().closeFromServer(1006);
	mock.timers.tick(10);
	const silent = latest();
	assert.equal(silent.url.searchParams.get('resume'), 'token-1');
	silent.open();
	mock.timers.tick(3000);
	assert.equal(client.state, 'reconnecting');
	assert.equal(events.at(-1).type, 'drop');
	assert.equal(events.at(-1).attempt, 2);
	mock.timers.tick(20);
	const third = latest();
	assert.notEqual(third, silent);
	assert.equal(third.url.searchParams.get('resume'), 'token-1');
	assert.equal(third.url.searchParams.get('lastSeq'), '1');
	third.open();
	third.receive({ type: 'resumed', connectionId: 'c1', resumeToken: 'token-2', replayed: 0, missed: 0 });
	assert.equal(client.state, 'open');
	assert.deepEqual(events.filter((e) => e.type === 'restore'),
		[{ type: 'restore', connectionId: 'c1', replayed: 0, missed: 0 }]);
});

test('a socket that never even opens is given up after handshakeTimeoutMs too', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', handshakeTimeoutMs: 3000, initialDelayMs: 10,
		jitter: 0 });
	client.connect();
	const stuck = latest();
	mock.timers.tick(3000);
	assert.notEqual(stuck.closedWith, null);
	mock.timers.tick(10);
	assert.equal(FakeWebSocket.instances.length, 2);
	assert.throws(() => new PulseClient({ url: 'ws://server/pulse', handshakeTimeoutMs: 0 }), RangeError);
});

test('a request carries a ref and resolves with the reply to it, which counts in seq like a message', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse' });
	const events = record(client);
	client.connect();
	latest().welcome();
	const first = client.request('sum', [1, 2]);
	const second = client.request('sum', [3]);
	const [a, b] = latest().messages();
	assert.deepEqual(a, { type: 'message', event: 'sum', ref: 'r1', payload: [1, 2] });
	assert.equal(b.ref, 'r2');
	latest().receive({ type: 'reply', seq: 1, ref: 'r2', payload: 3 });
	latest().receive({ type: 'reply', seq: 1, ref: 'r1', payload: 'duplicate, dropped' });
	latest().receive({ type: 'reply', seq: 2, ref: 'r1', payload: 3 });
	assert.equal(await first, 3);
	assert.equal(await second, 3);
	assert.equal(client.lastSeq, 2);
	assert.equal(events.filter((e) => e.type === 'message').length, 0);
	client.close();
});

test('an error reply rejects with its code; no reply in time rejects with a TimeoutError', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse' });
	client.connect();
	latest().welcome();
	const refused = client.request('find', 'x');
	latest().receive({ type: 'reply', seq: 1, ref: 'r1', error: { code: 'not-found', message: 'no x' } });
	await assert.rejects(refused, (e) => e instanceof PulseReplyError && e.code === 'not-found' && e.message === 'no x');
	const late = client.request('slow', null, { timeout: 500 });
	mock.timers.tick(499);
	latest().receive({ type: 'pong' });
	mock.timers.tick(1);
	await assert.rejects(late, (e) => e.name === 'TimeoutError' && /slow/.test(e.message));
	latest().receive({ type: 'reply', seq: 2, ref: 'r2', payload: 'too late' });
	assert.throws(() => client.request('x', null, { timeout: 0 }), RangeError);
	client.close();
});

test('a request queued while disconnected goes out on resume; a lost session or close rejects what waits', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 100, jitter: 0 });
	client.connect();
	latest().welcome('c1', 'token-1');
	const sent = client.request('a');
	latest().closeFromServer(1006);
	const queued = client.request('b');
	mock.timers.tick(100);
	latest().open();
	latest().receive({ type: 'welcome', connectionId: 'c2', rooms: [], heartbeatMs: 25000, resumeFailed: 'unknown' });
	await assert.rejects(sent, /session lost before the reply to 'a'/);
	assert.deepEqual(latest().messages().map((m) => m.ref), ['r2']);
	client.close();
	await assert.rejects(queued, /client closed/);
});

function welcomeWithCseq(ws, id = 'c1', token = 'token-1') {
	ws.open();
	ws.receive({ type: 'welcome', connectionId: id, rooms: [], heartbeatMs: 25000, resumeToken: token,
		resumeWindowMs: 30000, cseq: 0 });
}

test('to a server that takes them, messages carry cseq; what the server did not process is re-sent after a resume', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 100, jitter: 0 });
	client.connect();
	welcomeWithCseq(latest());
	client.send('n', 1);
	client.send('n', 2);
	client.send('n', 3);
	assert.deepEqual(latest().messages().map((m) => m.cseq), [1, 2, 3]);
	latest().receive({ type: 'ack', cseq: 1 });
	assert.equal(client.unconfirmed, 2);
	latest().closeFromServer(1006);
	client.send('n', 4);
	mock.timers.tick(100);
	latest().open();
	latest().receive({ type: 'resumed', connectionId: 'c1', resumeToken: 'token-2', replayed: 0, missed: 0, cseq: 2 });
	assert.deepEqual(latest().messages().map((m) => [m.cseq, m.payload]), [[3, 3], [4, 4]]);
	latest().receive({ type: 'ack', cseq: 4 });
	assert.equal(client.unconfirmed, 0);
	client.close();
});

test('a server without client sequence numbers gets none, and a lost session reports what it did not confirm', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 100, jitter: 0 });
	const events = record(client);
	client.connect();
	latest().welcome();
	client.send('legacy', 1);
	assert.equal('cseq' in latest().messages()[0], false);
	assert.equal(client.unconfirmed, 0);
	client.close();

	const other = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 100, jitter: 0 });
	const otherEvents = record(other);
	other.connect();
	welcomeWithCseq(latest());
	other.send('n', 1);
	other.send('n', 2);
	latest().closeFromServer(1006);
	mock.timers.tick(100);
	welcomeWithCseq(latest(), 'c2', 'token-9');
	assert.deepEqual(otherEvents.filter((e) => e.type === 'open').map((e) => e.unconfirmed), [0, 2]);
	assert.equal(latest().messages().length, 0);
	other.send('n', 3);
	assert.equal(latest().messages()[0].cseq, 1);
	other.close();
	assert.ok(events.length > 0);
});

test('sent but unconfirmed messages count against queueLimit: a full buffer makes send return false', () => {
	const client = new PulseClient({ url: 'ws://server/pulse', queueLimit: 3 });
	const overflows = [];
	client.on('overflow', (detail) => overflows.push(detail));
	client.connect();
	welcomeWithCseq(latest());
	assert.deepEqual([1, 2, 3, 4].map((n) => client.send('n', n)), [true, true, true, false]);
	assert.deepEqual(overflows, [{ event: 'n', queueLimit: 3, queued: 0, unconfirmed: 3 }]);
	latest().receive({ type: 'ack', cseq: 2 });
	assert.equal(client.send('n', 5), true);
	assert.deepEqual(latest().messages().map((m) => m.cseq), [1, 2, 3, 4], 'the refused message took no number');
	client.close();
});

test('a request refused by a full buffer rejects at once and fires overflow; nothing is sent', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse', queueLimit: 1 });
	const overflows = [];
	client.on('overflow', (detail) => overflows.push(detail.event));
	client.connect();
	welcomeWithCseq(latest());
	assert.equal(client.send('n', 1), true);
	await assert.rejects(client.request('ask', 'q'), /send queue is full \(1\)/);
	assert.deepEqual(overflows, ['ask']);
	assert.deepEqual(latest().messages().map((m) => m.event), ['n']);
	client.close();
});

test('ack pacing options are validated', () => {
	for (const options of [{ ackEvery: 0 }, { ackDelayMs: 0 }, { ackDelayMs: -5 }, { ackDelayMs: Number.NaN }]) {
		assert.throws(() => new PulseClient({ url: 'ws://server/pulse', ...options }), RangeError,
			JSON.stringify(options));
	}
});

test('a join with history sends it, resolves with the count and delivers the past messages flagged, then live ones', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, jitter: 0 });
	const events = record(client);
	client.connect();
	const ws = latest();
	ws.welcome('c1', 'token-1');
	const joined = client.join('chat-7', { history: 20 });
	assert.deepEqual(ws.sent.at(-1), { type: 'join', room: 'chat-7', ref: 'j1', history: 20 });
	ws.receive({ type: 'joined', seq: 1, room: 'chat-7', ref: 'j1', history: 2 });
	ws.receive({ type: 'message', seq: 2, event: 'chat', room: 'chat-7', payload: 'old', history: true });
	ws.receive({ type: 'message', seq: 3, event: 'chat', room: 'chat-7', payload: 'older', history: true });
	ws.receive({ type: 'message', seq: 4, event: 'chat', room: 'chat-7', payload: 'live' });
	assert.deepEqual(await joined, { history: 2 });
	assert.deepEqual(events.filter((e) => e.type === 'message').map(({ payload, history, seq }) => ({ payload, history, seq })),
		[{ payload: 'old', history: true, seq: 2 }, { payload: 'older', history: true, seq: 3 },
			{ payload: 'live', history: false, seq: 4 }]);

	const plain = client.join('chat-8');
	assert.deepEqual(ws.sent.at(-1), { type: 'join', room: 'chat-8', ref: 'j2' }, 'no history asked: none sent');
	ws.receive({ type: 'joined', seq: 5, room: 'chat-8', ref: 'j2' });
	assert.deepEqual(await plain, { history: 0 });
	for (const history of [-1, 1001, 2.5, '20', NaN]) {
		assert.throws(() => client.join('chat-9', { history }), RangeError, String(history));
	}
	client.close();
});

test('a join with history sent again after a resume delivers the past messages once', async () => {
	const client = new PulseClient({ url: 'ws://server/pulse', initialDelayMs: 10, jitter: 0 });
	const events = record(client);
	client.connect();
	const first = latest();
	first.welcome('c1', 'token-1');
	const joined = client.join('chat-7', { history: 5 });
	// the server answered, but the transport died before the answer arrived
	first.closeFromServer(1006);
	mock.timers.tick(10);
	const second = latest();
	second.open();
	second.receive({ type: 'resumed', connectionId: 'c1', resumeToken: 'token-2', replayed: 2, missed: 0 });
	assert.deepEqual(second.sent.filter((frame) => frame.type === 'join'),
		[{ type: 'join', room: 'chat-7', ref: 'j1', history: 5 }], 'the unanswered join went again');
	// the replay brings the first answer and its history; the join sent again is answered again, history and all
	second.receive({ type: 'joined', seq: 1, room: 'chat-7', ref: 'j1', history: 1 });
	second.receive({ type: 'message', seq: 2, event: 'chat', room: 'chat-7', payload: 'old', history: true });
	second.receive({ type: 'joined', seq: 3, room: 'chat-7', ref: 'j1', history: 1 });
	second.receive({ type: 'message', seq: 4, event: 'chat', room: 'chat-7', payload: 'old', history: true });
	second.receive({ type: 'message', seq: 5, event: 'chat', room: 'chat-7', payload: 'live' });
	assert.deepEqual(await joined, { history: 1 });
	assert.deepEqual(events.filter((e) => e.type === 'message').map((e) => [e.payload, e.history]),
		[['old', true], ['live', false]]);
	assert.deepEqual(client.joinedRooms, ['chat-7']);
	client.close();
});
