package io.github.pulse.bench.load;

import java.util.List;

/**
 * STOMP 1.2 to Spring's simple broker: {@code CONNECT} (no heart-beats) once upgraded; on {@code CONNECTED} the
 * connection subscribes to its room's topic ({@code /topic/<room>}) and to its own echo queue
 * ({@code /user/queue/echo}) and counts as welcomed. Every {@code MESSAGE} frame is a delivery. Chat goes to
 * {@code /app/chat/<room>}, echo to {@code /app/echo}; frames end with a NUL byte.
 * <p>
 * The simple broker sends no {@code RECEIPT}, and Spring registers a subscription on its inbound channel's executor,
 * after {@code CONNECTED}: a message published in the first milliseconds may miss a subscriber. The scenarios'
 * prewarm (unmeasured) covers that.
 */
final class StompProtocol implements WireProtocol {

	private static final byte[] CONNECTED = ProtocolBytes.ascii("CONNECTED\n");

	private static final byte[] MESSAGE = ProtocolBytes.ascii("MESSAGE\n");

	private static final byte[] ERROR = ProtocolBytes.ascii("ERROR\n");

	private static final byte[] NUL = { 0 };

	private final String room;

	private final byte[] subscribeTopic;

	private final byte[] subscribeEcho;

	StompProtocol(String room) {
		this.room = room;
		this.subscribeTopic = ProtocolBytes.ascii("SUBSCRIBE\nid:0\ndestination:/topic/" + room + "\n\n\0");
		this.subscribeEcho = ProtocolBytes.ascii("SUBSCRIBE\nid:1\ndestination:/user/queue/echo\n\n\0");
	}

	@Override
	public String name() {
		return "stomp";
	}

	@Override
	public String path() {
		return "/stomp";
	}

	@Override
	public List<byte[]> afterUpgrade(String host) {
		return List.of(ProtocolBytes.ascii("CONNECT\naccept-version:1.2\nhost:" + host + "\nheart-beat:0,0\n\n\0"));
	}

	@Override
	public void onText(byte[] bytes, int offset, int length, Inbound inbound) {
		int end = offset + length;
		int start = offset;
		while (start < end) {
			// end-of-lines between frames are heart-beats
			while (start < end && (bytes[start] == '\n' || bytes[start] == '\r')) {
				start++;
			}
			if (start == end) {
				return;
			}
			int nul = ProtocolBytes.indexOf(bytes, start, end - start, NUL);
			int frameEnd = (nul >= 0) ? nul : end;
			frame(bytes, start, frameEnd - start, inbound);
			start = frameEnd + 1;
		}
	}

	private void frame(byte[] bytes, int offset, int length, Inbound inbound) {
		if (ProtocolBytes.startsWith(bytes, offset, length, MESSAGE)) {
			inbound.delivered(bytes, offset, length);
		}
		else if (ProtocolBytes.startsWith(bytes, offset, length, CONNECTED)) {
			inbound.reply(this.subscribeTopic);
			inbound.reply(this.subscribeEcho);
			inbound.welcomed();
		}
		else if (ProtocolBytes.startsWith(bytes, offset, length, ERROR)) {
			String frame = new String(bytes, offset, length, java.nio.charset.StandardCharsets.UTF_8);
			int message = frame.indexOf("\nmessage:");
			inbound.error("STOMP ERROR: "
					+ ((message >= 0) ? frame.substring(message + 9, frame.indexOf('\n', message + 1)) : "no message"));
		}
	}

	@Override
	public byte[] message(String event, byte[] payload) {
		String destination = "echo".equals(event) ? "/app/echo" : "/app/" + event + "/" + this.room;
		return ProtocolBytes.concat(ProtocolBytes.ascii("SEND\ndestination:" + destination
				+ "\ncontent-type:application/json\ncontent-length:" + payload.length + "\n\n"), payload, NUL);
	}

}
