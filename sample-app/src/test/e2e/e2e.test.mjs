// End-to-end tests of the pulse sample in Debian's Chromium: chat, resume, the operations page and kicks (see
// support.mjs for the setup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { base, screenshots, POLL, uniqueRoom, useBrowser, openChat as open, waitForText, messageTexts, say,
	waitForMessage } from './support.mjs';

const room = uniqueRoom('e2e');
const browser = useBrowser();

let alice;
let bob;
let ops;

const openChat = (name, chatRoom = room) => open(browser.context, name, chatRoom);

test('two pages chat in a room and see each other present', async () => {
	// the operations page watches the whole run, so its charts have a history by the time it is checked
	ops = await browser.context.newPage();
	await ops.goto(`${base}/ops.html`);
	await waitForText(ops, '#feed', 'live');
	alice = await openChat('alice');
	bob = await openChat('bob');
	for (const page of [alice, bob]) {
		await page.waitForFunction(() => document.querySelectorAll('#presence li').length === 2, null, POLL);
	}
	assert.deepEqual(await alice.$$eval('#presence li', (items) => items.map((item) => item.textContent)),
		['alice (you)', 'bob']);

	await say(alice, 'hello bob');
	await waitForMessage(bob, 'hello bob');
	await say(bob, 'hi alice');
	await waitForMessage(alice, 'hi alice');
	assert.deepEqual(await messageTexts(alice), ['hello bob', 'hi alice']);
	assert.deepEqual(await messageTexts(bob), ['hello bob', 'hi alice']);
});

test('a dropped transport resumes the same session and no message is lost or duplicated', async () => {
	const id = await alice.textContent('#connection-id');
	const count = 60;
	await alice.evaluate(() => {
		window.pulseClient.on('restore', (restore) => {
			const first = window.pulseClient.lastSeq + 1;
			window.replayedSeqs = [first, first + restore.replayed - 1];
		});
	});
	// bob sends a numbered burst while alice's transport is dropped in the middle of it
	const burst = bob.evaluate(async (n) => {
		for (let i = 1; i <= n; i++) {
			window.pulseClient.send('chat', { name: 'bob', text: 'burst ' + i });
			await new Promise((resolve) => setTimeout(resolve, 40));
		}
	}, count);
	await waitForMessage(alice, 'burst 3');
	await alice.bringToFront();
	await alice.click('#drop');
	await waitForText(alice, '#status', 'reconnecting');
	await burst;
	await alice.waitForFunction(() => document.querySelector('#resume-info').textContent.startsWith('resumed'), null, POLL);
	await waitForMessage(alice, 'burst ' + count);
	await waitForText(alice, '#status', 'open');

	assert.equal(await alice.textContent('#connection-id'), id, 'the session was resumed, not replaced');
	const bursts = (await messageTexts(alice)).filter((text) => text.startsWith('burst '));
	assert.deepEqual(bursts, Array.from({ length: count }, (_, i) => 'burst ' + (i + 1)));
	const seqs = await alice.$$eval('#messages li[data-seq]', (items) => items.map((item) => Number(item.dataset.seq)));
	assert.deepEqual(seqs, [...new Set(seqs)].sort((a, b) => a - b), 'each seq once, in order');
	const resume = (await alice.textContent('#resume-info')).match(/resumed: (\d+) replayed, (\d+) missed/);
	assert.ok(resume, 'the page shows the replayed count');
	assert.equal(Number(resume[2]), 0);
	const [first, last] = await alice.evaluate(() => window.replayedSeqs);
	assert.equal(last - first + 1, Number(resume[1]));
	const replayed = await alice.$$eval('#messages li[data-seq]', (items, [f, l]) => items
		.filter((item) => Number(item.dataset.seq) >= f && Number(item.dataset.seq) <= l)
		.map((item) => item.querySelector('span').textContent), [first, last]);
	assert.ok(replayed.some((text) => text.startsWith('burst ')),
		'messages sent while the transport was down were replayed: ' + resume[0]);
	const log = await alice.$$eval('#log li', (items) => items.map((item) => item.textContent).join('\n'));
	assert.match(log, /transport lost \(1006/);

	await say(alice, `back, ${count} of ${count} arrived`);
	await waitForMessage(bob, `back, ${count} of ${count} arrived`);
	await alice.screenshot({ path: path.join(screenshots, 'chat.png') });
});

test('the operations page shows the live connection count', async () => {
	await waitForText(ops, '#connections', '2');
	const ids = [await alice.textContent('#connection-id'), await bob.textContent('#connection-id')];
	await ops.waitForFunction((list) => list.every((id) => document.querySelector(
		`#room-rows tr[data-connection-id="${id}"] button.kick`)), ids, POLL);

	const carol = await openChat('carol', room + '-side');
	await waitForText(ops, '#connections', '3');
	await waitForText(ops, '#rooms', '2');
	// traffic for the messages-per-second chart
	await bob.evaluate(async () => {
		for (let i = 1; i <= 30; i++) {
			window.pulseClient.send('chat', { name: 'bob', text: 'traffic ' + i });
			await new Promise((resolve) => setTimeout(resolve, 50));
		}
	});
	await carol.close();
	await waitForText(ops, '#connections', '2');
	await ops.waitForFunction(() => document.querySelectorAll('#connections-chart polyline').length === 2, null, POLL);
	await ops.waitForFunction(() => Number(document.querySelector('#rate').textContent.split(' ')[0]) >= 0, null, POLL);

	await ops.bringToFront();
	await ops.screenshot({ path: path.join(screenshots, 'operations.png'), fullPage: true });
});

test('a kick from the operations page closes the chat with 4000 and it does not reconnect', async () => {
	const id = await alice.textContent('#connection-id');
	await ops.bringToFront();
	await ops.click(`tr[data-connection-id="${id}"] button.kick`);
	await waitForText(alice, '#status', 'closed');
	assert.match(await alice.textContent('#close-info'), /^Closed: 4000 kicked$/);
	await waitForText(ops, '#connections', '1');
	await bob.waitForFunction(() => document.querySelectorAll('#presence li').length === 1, null, POLL);
	assert.equal(await alice.evaluate(() => window.pulseClient.state), 'closed');
});
