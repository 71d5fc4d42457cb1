package io.github.pulse.bench.load;

import java.util.List;

/**
 * Socket.IO 5 over Engine.IO 4, WebSocket transport only
 * ({@code /socket.io/?EIO=4&transport=websocket&room=<room>}). The server opens with {@code 0{...}}; the client
 * connects to the main namespace with {@code 40} and the server's {@code 40{"sid":..}} is the welcome. Events are
 * {@code 42["event",payload]}; every event from the server is a delivery. The server pings with {@code 2} and
 * disconnects a client that does not answer {@code 3} within its ping timeout.
 */
final class SocketIoProtocol implements WireProtocol {

	private static final byte[] CONNECT = ProtocolBytes.ascii("40");

	private static final byte[] PONG = ProtocolBytes.ascii("3");

	private static final byte[] SUFFIX = ProtocolBytes.ascii("]");

	private final String path;

	SocketIoProtocol(String room) {
		this.path = "/socket.io/?EIO=4&transport=websocket&room=" + room;
	}

	@Override
	public String name() {
		return "socketio";
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
		if (length == 0) {
			return;
		}
		switch (bytes[offset]) {
			case '4' -> {
				byte type = (length > 1) ? bytes[offset + 1] : 0;
				switch (type) {
					case '2' -> inbound.delivered(bytes, offset, length);
					case '0' -> inbound.welcomed();
					case '4' -> inbound.error("Socket.IO connect_error: "
							+ new String(bytes, offset + 2, length - 2, java.nio.charset.StandardCharsets.UTF_8));
					default -> {
						// acks and disconnects are not part of the scenarios
					}
				}
			}
			case '0' -> inbound.reply(CONNECT);
			case '2' -> inbound.reply(PONG);
			case '1' -> inbound.error("Engine.IO close");
			default -> {
				// noop packets and upgrades do not happen on a WebSocket-only connection
			}
		}
	}

	@Override
	public byte[] message(String event, byte[] payload) {
		return ProtocolBytes.concat(ProtocolBytes.ascii("42[\"" + event + "\","), payload, SUFFIX);
	}

}
