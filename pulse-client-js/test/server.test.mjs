// The client against a real pulse server (ClientJsTestApplication, started by BrowserClientPackageTests) reached
// through a fault-injecting TCP proxy: PULSE_URL is the proxied endpoint, POST PULSE_CONTROL_URL/test/cut cuts every
// connection (RST, no close frame) so that the client has to resume.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocket } from 'ws';
import { PulseClient, PulseReplyError, PulseJoinError } from '../src/client.js';

const url = process.env.PULSE_URL;
const control = process.env.PULSE_CONTROL_URL;
if (!url || !control) {
	throw new Error('PULSE_URL and PULSE_CONTROL_URL must name a running test server (see BrowserClientPackageTests)');
}

const clients = [];
after(() => clients.forEach((c) => c.close()));

function newClient(options = {}) {
	const client = new PulseClient({ url, WebSocket, initialDelayMs: 50, maxDelayMs: 200, ...options });
	clients.push(client);
	return client;
}

function next(client, type, filter = () => true, timeoutMs = 10000) {
	return new Promise((resolve, reject) => {
		const timer = setTimeout(() => {
			off();
			reject(new Error(`no '${type}' event within ${timeoutMs} ms`));
		}, timeoutMs);
		const off = client.on(type, (detail) => {
			if (filter(detail)) {
				clearTimeout(timer);
				off();
				resolve(detail);
			}
		});
	});
}

async function post(path) {
	const response = await fetch(control + path, { method: 'POST' });
	assert.equal(response.status, 200, path);
	return response.text();
}

async function cut() {
	const response = await fetch(control + '/test/cut', { method: 'POST' });
	assert.equal(response.status, 200);
	return Number(await response.text());
}

test('connects, offers pulse.v1 and gets its echo back', async () => {
	const client = newClient({ params: { room: 'lobby' } });
	const opened = next(client, 'open');
	client.connect();
	const open = await opened;
	assert.equal(open.protocol, 'pulse.v1');
	assert.deepEqual(open.rooms, ['lobby']);
	const echoed = next(client, 'message', (m) => m.event === 'echo');
	assert.equal(client.send('echo', { n: 1 }), true);
	assert.deepEqual((await echoed).payload, { n: 1 });
});

test('resumes the same session after the proxy cuts the connection, and keeps working', async () => {
	const client = newClient();
	const opened = next(client, 'open');
	client.connect();
	const { connectionId } = await opened;
	const dropped = next(client, 'drop');
	const restored = next(client, 'restore');
	assert.ok(await cut() >= 1);
	assert.equal((await dropped).code, 1006);
	assert.equal((await restored).connectionId, connectionId);
	const echoed = next(client, 'message', (m) => m.event === 'echo');
	client.send('echo', 'after the cut');
	assert.equal((await echoed).payload, 'after the cut');
	assert.equal(client.connectionId, connectionId);
});

test('a request resolves with the reply, and an application error rejects with its code', async () => {
	const client = newClient();
	const opened = next(client, 'open');
	client.connect();
	await opened;
	assert.deepEqual(await client.request('request.echo', { x: 1 }), { x: 1 });
	assert.equal(await client.request('request.echo'), undefined);
	await assert.rejects(client.request('request.refuse', 'it'),
		(error) => error instanceof PulseReplyError && error.code === 'refused' && error.message === 'refused it');
	assert.equal(client.state, 'open');
});

test('a request in flight across a resume still completes', async () => {
	const client = newClient();
	const opened = next(client, 'open');
	client.connect();
	await opened;
	await post('/test/hold');
	const holdingBefore = Number(await (await fetch(control + '/test/holding')).text());
	const reply = client.request('request.hold', 'through the cut', { timeout: 20000 });
	const deadline = Date.now() + 10000;
	while (Number(await (await fetch(control + '/test/holding')).text()) === holdingBefore) {
		assert.ok(Date.now() < deadline, 'the handler started');
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
	const restored = next(client, 'restore');
	assert.ok(await cut() >= 1);
	await post('/test/release');
	assert.equal(await reply, 'through the cut');
	await restored;
});

async function until(condition, what, timeoutMs = 20000) {
	const deadline = Date.now() + timeoutMs;
	while (!(await condition())) {
		assert.ok(Date.now() < deadline, what);
		await new Promise((resolve) => setTimeout(resolve, 20));
	}
}

test('thousands of messages through repeated cuts are each handled exactly once and in order', async () => {
	const total = 3000;
	const cuts = 10;
	const client = newClient({ queueLimit: total });
	const opened = next(client, 'open');
	client.connect();
	const { connectionId } = await opened;
	const counted = async () => (await (await fetch(`${control}/test/counted?id=${connectionId}`)).json());
	let restores = 0;
	client.on('restore', () => restores++);
	let n = 0;
	for (let round = 1; round <= cuts; round++) {
		for (const end = n + total / cuts; n < end;) {
			assert.equal(client.send('count', ++n), true, 'send ' + n);
			if (n % 100 === 0) {
				await new Promise((resolve) => setImmediate(resolve));
			}
		}
		await cut();
		await until(() => client.state === 'open' && restores === round, `restore ${round}`);
	}
	await until(async () => (await counted()).length >= total, 'every message handled');
	assert.deepEqual(await counted(), Array.from({ length: total }, (_, i) => i + 1));
	assert.equal(client.connectionId, connectionId);
	await until(() => client.unconfirmed === 0, 'every message acknowledged');
});

test('unacknowledged messages are bounded by queueLimit against a real server, and the overflow is reported', async () => {
	const limit = 5;
	const client = newClient({ queueLimit: limit });
	const overflows = [];
	client.on('overflow', (detail) => overflows.push(detail));
	const opened = next(client, 'open');
	client.connect();
	const { connectionId } = await opened;
	const counted = async () => (await (await fetch(`${control}/test/counted?id=${connectionId}`)).json());
	// the server handles a session's numbered messages one at a time: while request.hold waits, nothing after it is
	// handled or acknowledged, so every message sent stays unconfirmed
	await post('/test/hold');
	const holdingBefore = Number(await (await fetch(control + '/test/holding')).text());
	const held = client.request('request.hold', 'held', { timeout: 20000 });
	await until(async () => Number(await (await fetch(control + '/test/holding')).text()) > holdingBefore,
		'the handler started');
	for (let n = 1; n < limit; n++) {
		assert.equal(client.send('count', n), true, 'send ' + n);
	}
	assert.equal(client.unconfirmed, limit);
	assert.equal(client.send('count', limit), false, 'the buffer is full');
	await assert.rejects(client.request('request.echo', 'refused'), /send queue is full \(5\)/);
	assert.deepEqual(overflows.map((o) => [o.event, o.queueLimit, o.unconfirmed]),
		[['count', limit, limit], ['request.echo', limit, limit]]);
	await post('/test/release');
	assert.equal(await held, 'held');
	await until(() => client.unconfirmed === 0, 'every message acknowledged');
	assert.equal(client.send('count', limit), true, 'room again once acknowledged');
	await until(async () => (await counted()).length === limit, 'every accepted message handled');
	assert.deepEqual(await counted(), [1, 2, 3, 4, 5], 'each accepted message once; the refused ones never');
});

test('joins a room it may join, gets its user and the room\'s broadcasts, and leaves it', async () => {
	const client = newClient({ params: { room: 'lobby', user: 'ann' } });
	const opened = next(client, 'open');
	client.connect();
	assert.equal((await opened).user, 'ann');
	assert.equal(client.user, 'ann');
	await client.join('chat-js');
	assert.deepEqual(client.joinedRooms, ['chat-js']);
	const inRoom = next(client, 'message', (m) => m.event === 'chat' && m.room === 'chat-js');
	client.send('chat', { text: 'hi' });
	assert.deepEqual((await inRoom).payload, { text: 'hi' });
	await client.leave('chat-js');
	assert.deepEqual(client.joinedRooms, []);
	// leaving a room it is not in is answered too
	await client.leave('chat-never');
	const rooms = [];
	client.on('message', (m) => m.event === 'chat' && rooms.push(m.room));
	const inLobby = next(client, 'message', (m) => m.event === 'chat' && m.room === 'lobby');
	client.send('chat', { text: 'after' });
	await inLobby;
	assert.deepEqual(rooms, ['lobby']);
});

test('a join with history gets the room\'s last messages flagged, oldest first, then its live ones', async () => {
	const room = 'chat-history-js';
	const writer = newClient({ params: { room } });
	const opened = next(writer, 'open');
	writer.connect();
	await opened;
	for (const n of [1, 2, 3]) {
		const own = next(writer, 'message', (m) => m.event === 'chat' && m.payload.n === n);
		writer.send('chat', { n });
		await own;
	}
	const reader = newClient({ params: { room: 'lobby' } });
	const messages = [];
	reader.on('message', (m) => m.room === room && messages.push([m.payload.n, m.history]));
	reader.connect();
	assert.deepEqual(await reader.join(room, { history: 2 }), { history: 2 });
	const live = next(reader, 'message', (m) => m.room === room && m.payload.n === 4);
	writer.send('chat', { n: 4 });
	await live;
	assert.deepEqual(messages, [[2, true], [3, true], [4, false]]);
	// a room without history on the server answers with none
	assert.deepEqual(await reader.join('chat-js', { history: 5 }), { history: 0 });
});

test('a refused join rejects with the server\'s reason and the session goes on', async () => {
	const client = newClient({ params: { room: 'lobby' } });
	const opened = next(client, 'open');
	client.connect();
	assert.equal((await opened).user, null);
	for (const [room, reason] of [['lobby2', 'forbidden'], ['chat-admins', 'forbidden'], ['no room', 'invalid room']]) {
		await assert.rejects(client.join(room), (error) => error instanceof PulseJoinError && error.reason === reason
			&& error.room === room);
	}
	assert.deepEqual(client.joinedRooms, []);
	assert.equal(await client.request('request.echo', 'still open'), 'still open');
});

test('a resume keeps the rooms it joined without joining again', async () => {
	const client = newClient({ params: { room: 'lobby' } });
	const opened = next(client, 'open');
	client.connect();
	await opened;
	await client.join('chat-resume');
	const seq = client.lastSeq;
	const restored = next(client, 'restore');
	assert.ok(await cut() >= 1);
	await restored;
	const inRoom = next(client, 'message', (m) => m.event === 'chat' && m.room === 'chat-resume');
	client.send('chat', 'back');
	await inRoom;
	assert.deepEqual(client.joinedRooms, ['chat-resume']);
	// the two chat broadcasts (lobby, chat-resume) and nothing else: no second joined
	await until(() => client.lastSeq === seq + 2, 'both broadcasts');
});

test('a new session joins the rooms it had joined again', async () => {
	const client = newClient({ params: { room: 'lobby' } });
	const opens = [];
	client.on('open', (open) => opens.push(open));
	const opened = next(client, 'open');
	client.connect();
	const first = await opened;
	await client.join('chat-again');
	await client.join('chat-gone');
	await client.leave('chat-gone');
	// the listener throws: the server ends the session with 1011 and the client starts a new one
	client.send('fail');
	await until(() => opens.length === 2 && client.state === 'open', 'a new session');
	assert.notEqual(opens[1].connectionId, first.connectionId);
	const inRoom = next(client, 'message', (m) => m.event === 'chat' && m.room === 'chat-again');
	// the rejoin went out before this message, and the server handles a session's frames in order
	client.send('chat', 'rejoined');
	await inRoom;
	assert.deepEqual(client.joinedRooms, ['chat-again']);
});

test('a join of a room with presence brings the view, and the other users\' first join and last leave follow', async () => {
	const alice = newClient({ params: { room: 'lobby', user: 'alice' } });
	const aliceOpened = next(alice, 'open');
	alice.connect();
	await aliceOpened;
	await alice.join('chat-presence-js');
	assert.deepEqual(alice.presence('chat-presence-js'), ['alice']);
	const events = [];
	alice.on('presence', (event) => events.push(event));
	const tabs = [newClient({ params: { room: 'lobby', user: 'bob' } }), newClient({ params: { room: 'lobby', user: 'bob' } })];
	for (const tab of tabs) {
		const opened = next(tab, 'open');
		tab.connect();
		await opened;
	}
	const bobArrived = next(alice, 'presence', (event) => event.joined);
	await tabs[0].join('chat-presence-js');
	assert.deepEqual(tabs[0].presence('chat-presence-js'), ['alice', 'bob']);
	assert.deepEqual(await bobArrived, { room: 'chat-presence-js', user: 'bob', joined: true });
	assert.deepEqual(alice.presence('chat-presence-js'), ['alice', 'bob']);
	// bob's second tab is no news, its leave neither; the first tab's leave is bob's last
	await tabs[1].join('chat-presence-js');
	await tabs[1].leave('chat-presence-js');
	assert.deepEqual(tabs[1].presence('chat-presence-js'), []);
	const bobLeft = next(alice, 'presence', (event) => !event.joined);
	await tabs[0].leave('chat-presence-js');
	assert.deepEqual(await bobLeft, { room: 'chat-presence-js', user: 'bob', joined: false });
	assert.deepEqual(events.map((event) => `${event.joined ? 'joined' : 'left'} ${event.user}`), ['joined bob', 'left bob']);
	assert.deepEqual(alice.presence('chat-presence-js'), ['alice']);
});
