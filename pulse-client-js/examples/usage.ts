// Usage of the pulse browser client, compiled by `tsc --noEmit` (npm run typecheck) against src/client.d.ts, so the
// declarations and the documented way of using them cannot drift apart. In a browser the module is also served by
// every pulse server at /pulse/client.js.
import { PulseClient, PulseReplyError, isReconnectable, VERSION, type PulseMessageEvent } from '@pulse/client';

interface Chat {
	from: string;
	text: string;
}

const client = new PulseClient({ url: 'https://chat.example.com/pulse', params: { room: 'lobby' } });
client.on('open', ({ connectionId, resumeFailed }) => console.log('session', connectionId, resumeFailed ?? 'new'));
client.on('message', (message: PulseMessageEvent) => {
	const chat = message.payload as Chat;
	console.log(message.seq, message.room, chat.from, chat.text);
});
client.on('drop', ({ code, attempt, delayMs }) => console.log(`lost (${code}), attempt ${attempt} in ${delayMs} ms`));
client.on('overflow', ({ event, queueLimit }) => console.warn(`'${event}' refused: ${queueLimit} messages held`));
client.on('restore', ({ replayed, missed }) => console.log(`resumed: ${replayed} replayed, ${missed} missed`));
const unsubscribe = client.on('close', ({ code, reason }) => console.log('closed', code, reason, isReconnectable(code)));
client.connect();

const queued: boolean = client.send('chat', { from: 'ann', text: 'hi' } satisfies Chat);
console.log(VERSION, client.state, client.lastSeq, client.queued, queued);
interface Room {
	name: string;
	members: number;
}

async function lookUp(name: string): Promise<Room | null> {
	try {
		return await client.request<Room>('room.find', { name }, { timeout: 5000 });
	}
	catch (error) {
		if (error instanceof PulseReplyError && error.code === 'not-found') {
			return null;
		}
		throw error;
	}
}
lookUp('lobby').then((room) => console.log(room?.members));

// the room's last 20 messages first (history: true, oldest first), then its live ones
client.on('message', ({ room, history, payload }) => console.log(history ? 'earlier in' : 'now in', room, payload));
client.join('chat-7', { history: 20 }).then(({ history }) => console.log(history, 'earlier messages follow'));
unsubscribe();
client.close(1000, 'bye');
