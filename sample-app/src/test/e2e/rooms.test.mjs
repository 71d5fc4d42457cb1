// End-to-end tests of the chat page's built-in features in Debian's Chromium: presence, switching rooms without a
// reload, direct messages and history (see support.mjs for the setup).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { base, POLL, uniqueRoom, useBrowser, openChat as open, waitForText, messageTexts, say, waitForMessage,
	waitForPresence } from './support.mjs';

const browser = useBrowser();

const openChat = (name, room) => open(browser.context, name, room);

/** Ids of the connections in a room, from the operations endpoint: the server's word on membership. */
async function membersOf(room) {
	const response = await fetch(`${base}/actuator/pulse/${room}`);
	assert.equal(response.status, 200);
	return (await response.json()).connections.map((connection) => connection.id);
}

test('each page sees the other user arrive, and leave when its page closes', async () => {
	const room = uniqueRoom('presence');
	const alice = await openChat('alice', room);
	await waitForPresence(alice, ['alice (you)']);
	const bob = await openChat('bob', room);
	await waitForPresence(bob, ['alice', 'bob (you)']);
	await waitForPresence(alice, ['alice (you)', 'bob']);
	assert.equal(await alice.textContent('#presence-count'), '2');

	await bob.close();
	await waitForPresence(alice, ['alice (you)']);
	assert.equal(await alice.textContent('#presence-count'), '1');
	await alice.close();
});

test('joining another room without a reload shows its messages and stops the old room\'s; admin rooms are refused', async () => {
	const first = uniqueRoom('first');
	const second = uniqueRoom('second');
	const alice = await openChat('alice', first);
	const bob = await openChat('bob', first);
	const carol = await openChat('carol', second);
	await say(bob, 'in the first room');
	await waitForMessage(alice, 'in the first room');
	const id = await alice.textContent('#connection-id');
	// survives only as long as the page is not reloaded
	await alice.evaluate(() => { window.notReloaded = true; });

	await alice.bringToFront();
	await alice.fill('#room-input', second);
	await alice.click('#room-form button[type=submit]');
	await waitForText(alice, '#room-title', '#' + second);
	await waitForPresence(alice, ['carol', 'alice (you)']);
	await waitForPresence(bob, ['bob (you)']);
	assert.equal(await alice.evaluate(() => window.notReloaded), true, 'no reload');
	assert.equal(await alice.textContent('#connection-id'), id, 'the same connection');
	assert.ok(new URL(alice.url()).searchParams.get('room') === second, 'the address names the room: ' + alice.url());
	assert.deepEqual(await alice.evaluate(() => window.pulseClient.joinedRooms), [second]);
	assert.ok(!(await membersOf(first)).includes(id), 'the server took alice out of the first room');
	assert.ok((await membersOf(second)).includes(id));

	await say(carol, 'in the second room');
	await waitForMessage(alice, 'in the second room');
	await say(bob, 'the first room goes on');
	await waitForMessage(bob, 'the first room goes on');
	await say(alice, 'alice in the second room');
	await waitForMessage(carol, 'alice in the second room');
	await waitForMessage(alice, 'alice in the second room');
	const texts = await messageTexts(alice);
	assert.ok(!texts.includes('the first room goes on'), 'the old room stopped: ' + JSON.stringify(texts));
	assert.ok(!texts.includes('in the first room'), 'the old room\'s messages are gone from the page');
	assert.ok(!(await messageTexts(bob)).includes('alice in the second room'));

	await alice.fill('#room-input', 'admin-' + second);
	await alice.click('#room-form button[type=submit]');
	await waitForText(alice, '#room-error', `#admin-${second}: forbidden`);
	assert.equal(await alice.textContent('#room-title'), '#' + second, 'a refused join changes nothing');
	assert.deepEqual(await alice.evaluate(() => window.pulseClient.joinedRooms), [second]);
	for (const page of [alice, bob, carol]) {
		await page.close();
	}
});

test('a direct message reaches every page of its recipient and names the sender', async () => {
	const alice = await openChat('alice', uniqueRoom('dm'));
	const bob = await openChat('bob', uniqueRoom('dm-bob'));
	const bobAgain = await openChat('bob', uniqueRoom('dm-bob-again'));
	await alice.bringToFront();
	await alice.fill('#dm-to', 'bob');
	await alice.fill('#dm-text', 'just between us');
	await alice.click('#dm-form button[type=submit]');
	for (const page of [bob, bobAgain]) {
		await page.waitForFunction(() => [...document.querySelectorAll('#dms li')]
			.some((item) => item.textContent === 'alice:just between us'), null, POLL);
	}
	await alice.waitForFunction(() => [...document.querySelectorAll('#dms li.mine')]
		.some((item) => item.textContent === 'to bob:just between us'), null, POLL);

	await alice.fill('#dm-to', 'nobody');
	await alice.fill('#dm-text', 'anyone?');
	await alice.click('#dm-form button[type=submit]');
	await alice.waitForFunction(() => [...document.querySelectorAll('#dms li.failed')]
		.some((item) => item.textContent === 'to nobody:nobody is not connected'), null, POLL);
	assert.equal(await alice.textContent('#status'), 'open', 'a dm to nobody keeps the connection');
	for (const page of [alice, bob, bobAgain]) {
		await page.close();
	}
});

test('a page that joins a room shows its history first, then live messages', async () => {
	const room = uniqueRoom('history');
	const alice = await openChat('alice', room);
	for (const text of ['first', 'second', 'third']) {
		await say(alice, text);
		await waitForMessage(alice, text);
	}
	const dave = await openChat('dave', room);
	await waitForMessage(dave, 'third');
	assert.deepEqual(await dave.$$eval('#messages li', (items) => items.map((item) => [item.className, item.textContent])),
		[['divider', '3 earlier messages'], ['history', 'alicefirst'], ['history', 'alicesecond'],
			['history', 'alicethird']]);
	await say(alice, 'fourth');
	await waitForMessage(dave, 'fourth');
	assert.deepEqual(await dave.$$eval('#messages li', (items) => items.at(-1).className), '');
	assert.deepEqual(await messageTexts(dave), ['first', 'second', 'third', 'fourth']);
	for (const page of [alice, dave]) {
		await page.close();
	}
});
