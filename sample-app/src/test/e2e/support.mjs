// Shared by the end-to-end test files: Debian's Chromium through playwright-core (no bundled browser), and the chat
// page's helpers. PULSE_BASE_URL points at a running sample (BrowserEndToEndTests and BrowserEndToEndReactiveTests
// start one on a random port); screenshots go to PULSE_SCREENSHOT_DIR (default: ../../../target/e2e-screenshots).
import { before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';

export const base = process.env.PULSE_BASE_URL;
export const screenshots = path.resolve(process.env.PULSE_SCREENSHOT_DIR || '../../../target/e2e-screenshots');
const executablePath = process.env.PULSE_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT = 20000;

// waitForFunction polls on an interval: requestAnimationFrame, its default, does not run in background tabs
export const POLL = { polling: 50 };

/** A unique room name for one test file's run. */
export function uniqueRoom(prefix) {
	return prefix + '-' + Date.now().toString(36) + Math.floor(Math.random() * 1000).toString(36);
}

/** Starts Chromium with a fresh profile; stop() closes it and removes the profile. */
export async function launch() {
	assert.ok(base, 'set PULSE_BASE_URL to the sample, for example http://localhost:8080');
	fs.mkdirSync(screenshots, { recursive: true });
	const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'pulse-e2e-chromium-'));
	const context = await chromium.launchPersistentContext(userDataDir, {
		executablePath,
		headless: true,
		viewport: { width: 1280, height: 800 },
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
			'--disable-component-update', '--disable-sync'],
	});
	context.setDefaultTimeout(TIMEOUT);
	watchRequests(context);
	const stop = async () => {
		await context.close();
		fs.rmSync(userDataDir, { recursive: true, force: true });
	};
	return { context, stop };
}

/**
 * Starts Chromium before the tests of the calling file and stops it after them.
 * @returns {{context: import('playwright-core').BrowserContext}} its context, set once the tests run
 */
export function useBrowser() {
	const browser = { context: null, stop: null };
	before(async () => {
		Object.assign(browser, await launch());
	});
	after(async () => {
		await browser.stop?.();
	});
	return browser;
}

const pendingRequests = new WeakMap();

/**
 * Records the requests of a browser context's pages not yet seen to finish, for the message of a test that times
 * out: a request the server never answers holds one of the browser's six connections to the host, for every page.
 */
function watchRequests(context) {
	const pending = new Map();
	pendingRequests.set(context, pending);
	context.on('request', (request) => pending.set(request, Date.now()));
	context.on('requestfinished', (request) => pending.delete(request));
	context.on('requestfailed', (request) => pending.delete(request));
}

/** The requests of the page's context not finished, each with how long ago it started. */
function unfinished(page) {
	const now = Date.now();
	const waiting = [...(pendingRequests.get(page.context()) ?? new Map())]
		.map(([request, since]) => `${request.method()} ${request.url()} for ${now - since} ms`);
	return 'requests not finished: ' + (waiting.join(', ') || 'none');
}

/** Opens the chat page as a user in a room and waits until it is connected and shows the room. */
export async function openChat(context, name, room) {
	const page = await context.newPage();
	page.on('pageerror', (error) => console.error(`[${name}] page error:`, error));
	try {
		await page.goto(`${base}/?room=${room}&name=${name}`);
	}
	catch (error) {
		throw new Error(`[${name}] the chat page did not load; ${unfinished(page)}`, { cause: error });
	}
	await waitForText(page, '#status', 'open');
	await waitForText(page, '#room-title', '#' + room);
	return page;
}

export async function waitForText(page, selector, expected) {
	try {
		await page.waitForFunction(([s, e]) => document.querySelector(s)?.textContent === e, [selector, expected], POLL);
	}
	catch (error) {
		const actual = await page.textContent(selector).catch(() => '(unreadable)');
		throw new Error(`${selector} never read '${expected}' on ${page.url()}; it reads '${actual}'; ${unfinished(page)}`,
			{ cause: error });
	}
}

/** Texts of the messages shown, oldest first. */
export async function messageTexts(page) {
	return page.$$eval('#messages li span', (spans) => spans.map((span) => span.textContent));
}

export async function say(page, text) {
	await page.bringToFront();
	await page.fill('#text', text);
	await page.press('#text', 'Enter');
}

export async function waitForMessage(page, text) {
	await page.waitForFunction((t) => [...document.querySelectorAll('#messages li span')].some((s) => s.textContent === t),
		text, POLL);
}

/** Waits until the presence list reads exactly these entries, in order. */
export async function waitForPresence(page, expected) {
	try {
		await page.waitForFunction((e) => JSON.stringify([...document.querySelectorAll('#presence li')]
			.map((item) => item.textContent)) === JSON.stringify(e), expected, POLL);
	}
	catch (error) {
		const actual = await page.$$eval('#presence li', (items) => items.map((item) => item.textContent))
			.catch(() => '(unreadable)');
		throw new Error(`presence never read ${JSON.stringify(expected)}; it reads ${JSON.stringify(actual)}`,
			{ cause: error });
	}
}
