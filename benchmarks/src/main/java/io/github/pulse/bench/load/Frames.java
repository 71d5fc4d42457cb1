package io.github.pulse.bench.load;

import java.nio.ByteBuffer;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Client-to-server WebSocket frames, masked as RFC 6455 requires of clients.
 */
final class Frames {

	private Frames() {
	}

	static ByteBuffer masked(int opcode, byte[] payload) {
		int length = payload.length;
		int header = (length < 126) ? 2 : (length < 65536) ? 4 : 10;
		ByteBuffer frame = ByteBuffer.allocate(header + 4 + length);
		frame.put((byte) (0x80 | opcode));
		if (length < 126) {
			frame.put((byte) (0x80 | length));
		}
		else if (length < 65536) {
			frame.put((byte) (0x80 | 126));
			frame.putShort((short) length);
		}
		else {
			frame.put((byte) (0x80 | 127));
			frame.putLong(length);
		}
		int mask = ThreadLocalRandom.current().nextInt();
		frame.putInt(mask);
		for (int i = 0; i < length; i++) {
			frame.put((byte) (payload[i] ^ (mask >>> (8 * (3 - (i & 3))))));
		}
		return frame.flip();
	}

	static ByteBuffer close(int code) {
		int echoed = (code == 1005 || code == 1006 || code == 1015) ? 1000 : code;
		return masked(0x8, new byte[] { (byte) (echoed >>> 8), (byte) echoed });
	}

}
