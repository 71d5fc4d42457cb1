import { PulseClient, PulseJoinError, PulseReplyError } from '/pulse/client.js';

// what the server keeps per room (pulse.rooms.history-size): the page asks for all of it on every join
const HISTORY = 50;

const params = new URLSearchParams(location.search);
const name = params.get('name') || ('guest-' + Math.floor(1000 + Math.random() * 9000));
const $ = (id) => document.getElementById(id);

/** The room shown: its messages and presence; null until the first join is answered. */
let room = null;

/** Number of the latest room switch: an earlier one whose join is answered later gives way to it. */
let switches = 0;

$('name-input').value = name;
$('room-input').value = params.get('room') || 'lobby';

// an empty room parameter: the server puts the page in no room, and the page joins its room itself, which brings
// the room's presence and history (a room the server put it in would bring neither)
const client = new PulseClient({ params: { room: '', name }, initialDelayMs: 1000, maxDelayMs: 10000 });
// exposed for the end-to-end tests and for trying things in the console
window.pulseClient = client;

client.on('open', (open) => {
	setStatus('open');
	$('connection-id').textContent = open.connectionId;
	$('close-info').hidden = true;
	log(open.resumeFailed ? `new session ${open.connectionId} as ${open.user} (resume refused: ${open.resumeFailed}; `
		+ 'the client joins its room again, messages meanwhile are missing)' : `connected as ${open.user} (${open.connectionId})`);
	renderPresence();
	if (open.resumeFailed && room !== null) {
		// the client joins the room again by itself; this join's answer (the same) tells the page when the view is back
		client.join(room).then(renderPresence, () => {});
	}
});

client.on('message', (message) => {
	$('last-seq').textContent = String(message.seq);
	if (message.event === 'dm' && message.room === null) {
		addDm(message.payload?.from, message.payload?.text, false);
	}
	else if (message.event === 'chat' && message.room === room) {
		addMessage(message.payload, message.seq, message.history);
	}
});

client.on('presence', (presence) => {
	if (presence.room === room) {
		renderPresence();
		log(`${presence.user} ${presence.joined ? 'arrived' : 'left'}`);
	}
});

client.on('error', ({ error }) => log(error.message));

client.on('drop', (drop) => {
	setStatus('reconnecting');
	log(`transport lost (${drop.code}${drop.reason ? ' ' + drop.reason : ''}); attempt ${drop.attempt} in ${drop.delayMs} ms`);
});

client.on('restore', (restore) => {
	setStatus('open');
	$('resume-info').textContent = `resumed: ${restore.replayed} replayed, ${restore.missed} missed`;
	log(`session resumed: ${restore.replayed} frames replayed, ${restore.missed} missed`);
	renderPresence();
});

client.on('close', (close) => {
	setStatus('closed');
	const text = `Closed: ${close.code}${close.reason ? ' ' + close.reason : ''}`;
	$('close-info').textContent = text;
	$('close-info').hidden = false;
	log(text.toLowerCase());
});

client.connect();
switchRoom($('room-input').value);

// a page that goes away cannot resume its session: end it at once, so that the others see the user leave now rather
// than when the resume window is over
addEventListener('pagehide', () => client.close(1000, 'page closed'));

$('compose').addEventListener('submit', (event) => {
	event.preventDefault();
	const text = $('text').value.trim();
	if (text && client.send('chat', { name, text })) {
		$('text').value = '';
	}
});

$('drop').addEventListener('click', () => {
	if (client.dropTransport()) {
		log('asked the server to drop the transport');
	}
});

$('room-form').addEventListener('submit', (event) => {
	event.preventDefault();
	const next = $('room-input').value.trim();
	const nextName = $('name-input').value.trim();
	if (nextName !== name) {
		// the user is the connection's, from the handshake: another name is another connection
		location.search = new URLSearchParams({ room: next, name: nextName }).toString();
	}
	else {
		switchRoom(next);
	}
});

$('dm-form').addEventListener('submit', async (event) => {
	event.preventDefault();
	const to = $('dm-to').value.trim();
	const text = $('dm-text').value.trim();
	if (!to || !text) {
		return;
	}
	$('dm-text').value = '';
	try {
		await client.request('dm', { to, text });
		addDm(to, text, true);
	}
	catch (error) {
		addDm(to, error instanceof PulseReplyError ? error.message : String(error), true, true);
	}
});

/**
 * Joins another room without reloading: the new room's history, presence and messages replace the old room's, and
 * the old room is left once the new one is joined. A refused join (admin-* rooms) leaves everything as it was.
 */
async function switchRoom(next) {
	if (next === room) {
		return;
	}
	$('room-error').hidden = true;
	const attempt = ++switches;
	let joined;
	try {
		joined = await client.join(next, { history: HISTORY });
	}
	catch (error) {
		$('room-error').textContent = error instanceof PulseJoinError ? `#${next}: ${error.reason}` : String(error.message);
		$('room-error').hidden = false;
		log(`could not join #${next}: ${error instanceof PulseJoinError ? error.reason : error.message}`);
		return;
	}
	if (attempt !== switches) {
		client.leave(next).catch(() => {});
		return;
	}
	// the answer's history messages and the room's live ones come after this: the page is ready for them
	const previous = room;
	room = next;
	$('messages').replaceChildren();
	if (joined.history > 0) {
		addDivider(`${joined.history} earlier message${joined.history === 1 ? '' : 's'}`);
	}
	$('room-title').textContent = '#' + room;
	$('room-input').value = room;
	document.title = '#' + room + ' - pulse chat';
	history.replaceState(null, '', '?' + new URLSearchParams({ room, name }));
	renderPresence();
	refreshRooms();
	if (previous !== null) {
		client.leave(previous).catch((error) => log(`could not leave #${previous}: ${error.message}`));
	}
}

function setStatus(state) {
	$('status').textContent = state;
	$('status').dataset.state = state;
	$('drop').disabled = state !== 'open';
}

function addMessage(payload, seq, past) {
	const item = document.createElement('li');
	item.dataset.seq = String(seq);
	const who = document.createElement('b');
	const text = document.createElement('span');
	if (payload && typeof payload === 'object' && 'text' in payload) {
		who.textContent = String(payload.name ?? 'anonymous');
		text.textContent = String(payload.text);
	}
	else {
		who.textContent = 'raw';
		text.textContent = JSON.stringify(payload);
	}
	if (who.textContent === name) {
		item.classList.add('mine');
	}
	if (past) {
		item.classList.add('history');
		item.title = 'sent before you joined';
	}
	item.append(who, text);
	append($('messages'), item);
}

function addDivider(text) {
	const item = document.createElement('li');
	item.className = 'divider';
	item.textContent = text;
	append($('messages'), item);
}

function append(list, item) {
	const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
	list.append(item);
	if (atBottom) {
		list.scrollTop = list.scrollHeight;
	}
}

function addDm(other, text, mine, failed = false) {
	const item = document.createElement('li');
	const who = document.createElement('b');
	const body = document.createElement('span');
	who.textContent = mine ? `to ${other}:` : `${other}:`;
	body.textContent = String(text);
	item.classList.toggle('mine', mine);
	item.classList.toggle('failed', failed);
	item.append(who, body);
	$('dms').append(item);
}

/** The users in the room, from the client's view: the join's answer and the room's presence events since. */
function renderPresence() {
	const users = room === null ? [] : client.presence(room);
	$('presence').replaceChildren(...users.map((user) => {
		const item = document.createElement('li');
		item.textContent = user + (user === client.user ? ' (you)' : '');
		return item;
	}));
	$('presence-count').textContent = String(users.length);
	$('dm-options').replaceChildren(...users.filter((user) => user !== client.user).map((user) => new Option(user)));
}

function log(text) {
	const item = document.createElement('li');
	item.textContent = new Date().toLocaleTimeString() + '  ' + text;
	$('log').prepend(item);
}

async function refreshRooms() {
	try {
		const response = await fetch('/api/rooms');
		const rooms = await response.json();
		$('rooms').replaceChildren(...rooms.map((entry) => {
			const item = document.createElement('li');
			const link = document.createElement('a');
			link.href = '/?' + new URLSearchParams({ room: entry.room, name });
			link.textContent = '#' + entry.room;
			link.addEventListener('click', (event) => {
				event.preventDefault();
				switchRoom(entry.room);
			});
			if (entry.room === room) {
				link.classList.add('current');
			}
			const size = document.createElement('span');
			size.className = 'count';
			size.textContent = String(entry.connections);
			item.append(link, size);
			return item;
		}));
		$('room-options').replaceChildren(...rooms.map((entry) => new Option(entry.room)));
	}
	catch {
		// the room list is a convenience; the chat works without it
	}
}

refreshRooms();
setInterval(refreshRooms, 5000);
