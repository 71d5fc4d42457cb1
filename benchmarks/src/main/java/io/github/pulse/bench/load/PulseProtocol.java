package io.github.pulse.bench.load;

import java.util.List;

/**
 * pulse's JSON protocol, which the raw peer speaks too: the server speaks first with a {@code welcome} frame; a
 * {@code message} frame carrying the timestamp is a delivery. Keepalives are WebSocket pings, answered by the
 * event loop, so nothing is needed here. Against pulse the connections acknowledge every {@value #ACK_FRAMES}th
 * frame, as pulse's Java client does by default, so the server's replay buffers hold what real clients leave in them
 * rather than filling up to their limit.
 */
final class PulseProtocol implements WireProtocol {

	private static final byte[] TIMESTAMP = ProtocolBytes.ascii("\"t\":");

	private static final byte[] WELCOME = ProtocolBytes.ascii("\"welcome\"");

	private static final byte[] SUFFIX = ProtocolBytes.ascii("}");

	private static final byte[] SEQ_PREFIX = ProtocolBytes.ascii("{\"type\":\"message\",\"seq\":");

	/** The Java client's default {@code ackFrames}. */
	static final int ACK_FRAMES = 64;

	private final String name;

	private final String path;

	private final boolean acks;

	PulseProtocol(String name, String path) {
		this.name = name;
		this.path = path;
		this.acks = name.equals("pulse");
	}

	@Override
	public String name() {
		return this.name;
	}

	@Override
	public String path() {
		return this.path;
	}

	@Override
	public List<byte[]> afterUpgrade(String host) {
		return List.of();
	}

	@Override
	public void onText(byte[] bytes, int offset, int length, Inbound inbound) {
		int timestamp = ProtocolBytes.indexOf(bytes, offset, length, TIMESTAMP);
		if (timestamp >= 0) {
			// the range handed on starts at the timestamp, so the generator does not search the frame again
			inbound.delivered(bytes, timestamp, offset + length - timestamp);
			if (this.acks) {
				acknowledge(bytes, offset, length, inbound);
			}
		}
		else if (ProtocolBytes.indexOf(bytes, offset, length, WELCOME) >= 0) {
			inbound.welcomed();
		}
	}

	private static void acknowledge(byte[] bytes, int offset, int length, Inbound inbound) {
		if (!ProtocolBytes.startsWith(bytes, offset, length, SEQ_PREFIX)) {
			return;
		}
		long seq = ProtocolBytes.digits(bytes, offset + SEQ_PREFIX.length, offset + length);
		if (seq > 0 && seq % ACK_FRAMES == 0) {
			inbound.reply(ProtocolBytes.ascii("{\"type\":\"ack\",\"seq\":" + seq + "}"));
		}
	}

	@Override
	public byte[] message(String event, byte[] payload) {
		return ProtocolBytes.concat(ProtocolBytes.ascii("{\"type\":\"message\",\"event\":\"" + event + "\",\"payload\":"),
				payload, SUFFIX);
	}

}
