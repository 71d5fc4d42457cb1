import { PulseClient } from '/pulse/client.js';

const params = new URLSearchParams(location.search);
const room = params.get('room') || 'lobby';
const name = params.get('name') || ('guest-' + Math.floor(1000 + Math.random() * 9000));
const $ = (id) => document.getElementById(id);

$('room-title').textContent = '#' + room;
$('name-input').value = name;
$('room-input').value = room;
document.title = '#' + room + ' - pulse chat';

const client = new PulseClient({ params: { room }, initialDelayMs: 1000, maxDelayMs: 10000 });
// exposed for the end-to-end tests and for trying things in the console
window.pulseClient = client;

client.on('open', (open) => {
	setStatus('open');
	$('connection-id').textContent = open.connectionId;
	$('close-info').hidden = true;
	log(open.resumeFailed ? `new session ${open.connectionId} (resume refused: ${open.resumeFailed})`
		: `connected as ${open.connectionId}`);
	client.send('hello', { name });
});

client.on('message', (message) => {
	$('last-seq').textContent = String(message.seq);
	if (message.event === 'chat') {
		addMessage(message.payload, message.seq);
	}
	else if (message.event === 'hello' || message.event === 'presence') {
		renderPresence(message.payload);
	}
});

client.on('drop', (drop) => {
	setStatus('reconnecting');
	log(`transport lost (${drop.code}${drop.reason ? ' ' + drop.reason : ''}); attempt ${drop.attempt} in ${drop.delayMs} ms`);
});

client.on('restore', (restore) => {
	setStatus('open');
	$('resume-info').textContent = `resumed: ${restore.replayed} replayed, ${restore.missed} missed`;
	log(`session resumed: ${restore.replayed} frames replayed, ${restore.missed} missed`);
});

client.on('close', (close) => {
	setStatus('closed');
	const text = `Closed: ${close.code}${close.reason ? ' ' + close.reason : ''}`;
	$('close-info').textContent = text;
	$('close-info').hidden = false;
	log(text.toLowerCase());
});

client.connect();

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
	const next = new URLSearchParams({ room: $('room-input').value.trim(), name: $('name-input').value.trim() });
	location.search = next.toString();
});

function setStatus(state) {
	$('status').textContent = state;
	$('status').dataset.state = state;
	$('drop').disabled = state !== 'open';
}

function addMessage(payload, seq) {
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
	item.append(who, text);
	const list = $('messages');
	const atBottom = list.scrollHeight - list.scrollTop - list.clientHeight < 40;
	list.append(item);
	if (atBottom) {
		list.scrollTop = list.scrollHeight;
	}
}

function renderPresence(view) {
	if (!view || view.room !== room) {
		return;
	}
	const list = $('presence');
	list.replaceChildren(...view.members.map((member) => {
		const item = document.createElement('li');
		item.dataset.state = member.state;
		item.textContent = member.name + (member.id === client.connectionId ? ' (you)' : '');
		item.title = member.state === 'SUSPENDED' ? 'reconnecting' : 'online since ' + member.since;
		return item;
	}));
	$('presence-count').textContent = String(view.members.length);
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
