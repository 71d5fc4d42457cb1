package io.github.pulse.bench.load;

import java.util.List;

/**
 * pulse's JSON protocol, which the raw peer speaks too: the server speaks first with a {@code welcome} frame; a
 * {@code message} frame carrying the timestamp is a delivery. Keepalives are WebSocket pings, answered by the
 * event loop, so nothing is needed here.
 */
final class PulseProtocol implements WireProtocol {

	private static final byte[] TIMESTAMP = ProtocolBytes.ascii("\"t\":");

	private static final byte[] WELCOME = ProtocolBytes.ascii("\"welcome\"");

	private static final byte[] SUFFIX = ProtocolBytes.ascii("}");

	private final String name;

	private final String path;

	PulseProtocol(String name, String path) {
		this.name = name;
		this.path = path;
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
		}
		else if (ProtocolBytes.indexOf(bytes, offset, length, WELCOME) >= 0) {
			inbound.welcomed();
		}
	}

	@Override
	public byte[] message(String event, byte[] payload) {
		return ProtocolBytes.concat(ProtocolBytes.ascii("{\"type\":\"message\",\"event\":\"" + event + "\",\"payload\":"),
				payload, SUFFIX);
	}

}
