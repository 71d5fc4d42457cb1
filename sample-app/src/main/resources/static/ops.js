// Operations page: polls /actuator/pulse every second and draws what it sees. No libraries: SVG by hand.

const POLL_MS = 1000;
const WINDOW = 120; // samples kept: two minutes
const $ = (id) => document.getElementById(id);
const samples = [];

async function poll() {
	try {
		const response = await fetch('/actuator/pulse', { headers: { Accept: 'application/json' } });
		if (!response.ok) {
			throw new Error('HTTP ' + response.status);
		}
		const status = await response.json();
		record(status);
		render(status);
		await renderRooms(status.largestRooms || []);
		setFeed('live', 'live');
	}
	catch (error) {
		setFeed('error', 'no data: ' + error.message);
	}
}

function record(status) {
	const now = performance.now();
	const previous = samples[samples.length - 1];
	const sample = {
		at: now,
		connections: status.connections,
		suspended: status.suspended,
		received: status.messages?.received ?? 0,
		sent: status.messages?.sent ?? 0,
		inRate: 0,
		outRate: 0,
	};
	if (previous) {
		const seconds = Math.max(0.001, (now - previous.at) / 1000);
		sample.inRate = Math.max(0, (sample.received - previous.received) / seconds);
		sample.outRate = Math.max(0, (sample.sent - previous.sent) / seconds);
	}
	samples.push(sample);
	if (samples.length > WINDOW) {
		samples.shift();
	}
}

function render(status) {
	const last = samples[samples.length - 1];
	$('connections').textContent = String(status.connections);
	$('suspended').textContent = String(status.suspended);
	$('rooms').textContent = String(status.rooms);
	$('rate').textContent = `${format(last.inRate)} · ${format(last.outRate)}`;
	$('uptime').textContent = duration(status.uptimeSeconds);
	$('draining').textContent = status.draining ? 'draining' : 'serving';
	$('settings').textContent = JSON.stringify(status.settings ?? {}, null, 2);
	chart($('connections-chart'), [samples.map((s) => s.connections), samples.map((s) => s.suspended)], true);
	chart($('rate-chart'), [samples.map((s) => s.inRate), samples.map((s) => s.outRate)], false);
}

async function renderRooms(largestRooms) {
	const details = await Promise.all(largestRooms.map(async (entry) => {
		const response = await fetch('/actuator/pulse/' + encodeURIComponent(entry.room));
		return response.ok ? response.json() : { room: entry.room, connections: [] };
	}));
	const rows = [];
	for (const room of details) {
		room.connections.forEach((connection, index) => {
			const row = document.createElement('tr');
			row.dataset.connectionId = connection.id;
			if (index === 0) {
				const cell = document.createElement('td');
				cell.rowSpan = room.connections.length;
				cell.className = 'room-name';
				cell.textContent = `#${room.room} (${room.connections.length})`;
				row.append(cell);
			}
			row.append(td(connection.id, 'mono'), td(connection.state, 'state-' + connection.state),
				td(new Date(connection.connectedSince).toLocaleTimeString()), td(String(connection.queuedFrames)));
			const action = document.createElement('td');
			const kick = document.createElement('button');
			kick.type = 'button';
			kick.className = 'danger kick';
			kick.textContent = 'Kick';
			kick.addEventListener('click', async () => {
				kick.disabled = true;
				const answer = await fetch('/actuator/pulse/' + encodeURIComponent(connection.id), { method: 'DELETE' });
				kick.textContent = answer.ok && (await answer.json()).kicked ? 'Kicked' : 'Gone';
			});
			action.append(kick);
			row.append(action);
			rows.push(row);
		});
	}
	if (rows.length === 0) {
		const empty = document.createElement('tr');
		const cell = td('no rooms yet', 'empty');
		cell.colSpan = 6;
		empty.append(cell);
		rows.push(empty);
	}
	$('room-rows').replaceChildren(...rows);
}

/**
 * Draws series as polylines on a 600x200 SVG. The x axis spans the samples so far (at least 30, at most WINDOW);
 * the y axis has four steps of a round size.
 */
function chart(svg, series, integers) {
	const width = 600;
	const height = 200;
	const left = 34;
	const top = 8;
	const bottom = 18;
	const plotHeight = height - top - bottom;
	const span = Math.max(30, samples.length);
	const step = niceStep(Math.max(...series.flat(), 0) / 4, integers);
	const max = step * 4;
	const ns = 'http://www.w3.org/2000/svg';
	const nodes = [];
	for (let i = 0; i <= 4; i++) {
		const y = top + plotHeight - (plotHeight * i) / 4;
		const line = document.createElementNS(ns, 'line');
		line.setAttribute('x1', left);
		line.setAttribute('x2', width);
		line.setAttribute('y1', y);
		line.setAttribute('y2', y);
		line.setAttribute('class', 'grid');
		const label = document.createElementNS(ns, 'text');
		label.setAttribute('x', left - 6);
		label.setAttribute('y', y + 4);
		label.setAttribute('class', 'axis');
		label.textContent = String(Math.round(step * i * 10) / 10);
		nodes.push(line, label);
	}
	const caption = document.createElementNS(ns, 'text');
	caption.setAttribute('x', width - 2);
	caption.setAttribute('y', height - 4);
	caption.setAttribute('class', 'axis');
	caption.textContent = `last ${Math.round(span * POLL_MS / 1000)} s`;
	nodes.push(caption);
	series.forEach((values, index) => {
		if (values.length === 0) {
			return;
		}
		const dx = (width - left) / (span - 1);
		const offset = span - values.length;
		const points = values.map((value, i) => {
			const x = left + (offset + i) * dx;
			const y = top + plotHeight - (plotHeight * value) / max;
			return x.toFixed(1) + ',' + y.toFixed(1);
		});
		const line = document.createElementNS(ns, 'polyline');
		line.setAttribute('points', points.join(' '));
		line.setAttribute('class', 'series s' + index);
		nodes.push(line);
	});
	svg.replaceChildren(...nodes);
}

/** Smallest round step (1, 2, 2.5 or 5 times a power of ten; whole numbers for counts) at least `raw`. */
function niceStep(raw, integers) {
	const wanted = Math.max(raw, integers ? 1 : 0.25);
	const magnitude = Math.pow(10, Math.floor(Math.log10(wanted)));
	for (const factor of integers && magnitude === 1 ? [1, 2, 5, 10] : [1, 2, 2.5, 5, 10]) {
		if (factor * magnitude >= wanted) {
			return factor * magnitude;
		}
	}
	return 10 * magnitude;
}

function td(text, className) {
	const cell = document.createElement('td');
	cell.textContent = text;
	if (className) {
		cell.className = className;
	}
	return cell;
}

function format(value) {
	return value >= 10 ? value.toFixed(0) : value.toFixed(1);
}

function duration(seconds) {
	const s = Math.floor(seconds || 0);
	const h = Math.floor(s / 3600);
	const m = Math.floor((s % 3600) / 60);
	return (h ? h + 'h ' : '') + (h || m ? m + 'm ' : '') + (s % 60) + 's';
}

function setFeed(state, text) {
	$('feed').dataset.state = state;
	$('feed').textContent = text;
}

poll();
setInterval(poll, POLL_MS);
