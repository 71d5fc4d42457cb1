// The npm package: its declarations match the module, its lock file carries no registry address, and `npm pack`
// produces a tarball that installs into an empty project and imports.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as client from '../src/client.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const npm = (args, cwd) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

test('client.d.ts declares exactly the values the module exports, and every member of PulseClient', () => {
	const declarations = readFileSync(join(root, 'src', 'client.d.ts'), 'utf8');
	const declared = [...declarations.matchAll(/^export declare (?:const|function|class) (\w+)/gm)].map((m) => m[1]);
	assert.deepEqual(declared.sort(), Object.keys(client).sort());
	const body = declarations.slice(declarations.indexOf('export declare class PulseClient'));
	const members = [...body.matchAll(/^\t(?:readonly )?(\w+)[<(:?]/gm)].map((m) => m[1])
		.filter((name) => name !== 'constructor');
	const prototype = Object.getOwnPropertyNames(client.PulseClient.prototype).filter((n) => n !== 'constructor');
	assert.deepEqual([...new Set(members)].sort(), prototype.sort());
});

test('package-lock.json names no registry: no resolved addresses, no URLs', () => {
	const lock = readFileSync(join(root, 'package-lock.json'), 'utf8');
	assert.doesNotMatch(lock, /"resolved"/);
	assert.doesNotMatch(lock, /:\/\//);
	assert.match(readFileSync(join(root, '.npmrc'), 'utf8'), /^omit-lockfile-registry-resolved=true$/m);
});

test('npm pack produces a package that installs into an empty project and imports', () => {
	const work = mkdtempSync(join(tmpdir(), 'pulse-client-pack-'));
	try {
		const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root));
		assert.deepEqual(packed.files.map((f) => f.path).sort(),
			['README.md', 'examples/usage.ts', 'package.json', 'src/client.d.ts', 'src/client.js',
				'src/close-codes.json'].sort());
		const app = join(work, 'app');
		mkdirSync(app);
		writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
		npm(['install', '--offline', '--no-audit', '--no-fund', '--no-package-lock', join(work, packed.filename)], app);
		writeFileSync(join(app, 'main.mjs'), `
			import { PulseClient, isReconnectable, VERSION } from '@pulse/client';
			import table from '@pulse/client/close-codes.json' with { type: 'json' };
			const c = new PulseClient({ url: 'ws://localhost:1/pulse', WebSocket: class {} });
			console.log(JSON.stringify({ VERSION, state: c.state, reconnect1006: isReconnectable(1006),
				codes: table.codes.length }));`);
		const output = execFileSync(process.execPath, ['main.mjs'], { cwd: app, encoding: 'utf8' });
		assert.deepEqual(JSON.parse(output), { VERSION: client.VERSION, state: 'idle', reconnect1006: true,
			codes: 19 });
	}
	finally {
		rmSync(work, { recursive: true, force: true });
	}
});
