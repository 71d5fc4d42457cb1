package io.github.pulse.bench.load;

import java.util.List;
import java.util.Locale;

/**
 * How the load generator speaks to one kind of server over a plain WebSocket: the upgrade path, what it sends once
 * upgraded, what counts as welcomed, how a message is framed and how keepalives are answered. Latency is measured
 * the same way for every protocol: the payload carries {@code "t":<nanos>}, and the generator finds it in the
 * frame that a {@link Inbound#delivered delivery} hands back.
 * <p>
 * Implementations: {@code pulse} (pulse's JSON protocol; {@code raw} speaks the same), {@code stomp} (STOMP 1.2 to
 * Spring's simple broker) and {@code socketio} (Socket.IO 5 over Engine.IO 4). One instance serves every connection
 * of a run, from several threads: implementations keep no per-connection state.
 */
public interface WireProtocol {

	/**
	 * The protocol's name, as given to {@link #named}.
	 * @return the name
	 */
	String name();

	/**
	 * Request target of the WebSocket upgrade, with its query.
	 * @return the path, e.g. {@code /pulse?room=bench}
	 */
	String path();

	/**
	 * Text messages to send as soon as the upgrade succeeded.
	 * @param host the server's host, for protocols that name it
	 * @return the messages, in order; empty when the server speaks first
	 */
	List<byte[]> afterUpgrade(String host);

	/**
	 * Handles one complete text message from the server.
	 * @param bytes the buffer holding the message
	 * @param offset where the message starts
	 * @param length its length in bytes
	 * @param inbound what to tell the generator, and where replies go
	 */
	void onText(byte[] bytes, int offset, int length, Inbound inbound);

	/**
	 * The text message a publisher sends.
	 * @param event {@code chat} (broadcast to the room) or {@code echo} (back to the sender)
	 * @param payload the JSON payload, {@code {"t":<nanos>,"p":<publisher>}}
	 * @return the message
	 */
	byte[] message(String event, byte[] payload);

	/**
	 * The protocol of the given name for connections in {@code room}.
	 * @param name {@code pulse}, {@code raw}, {@code stomp} or {@code socketio}
	 * @param room the room every connection joins
	 * @return the protocol
	 * @throws IllegalArgumentException if the name is unknown
	 */
	static WireProtocol named(String name, String room) {
		return switch (name.toLowerCase(Locale.ROOT)) {
			case "pulse", "raw" -> new PulseProtocol(name.toLowerCase(Locale.ROOT), "/pulse?room=" + room);
			case "stomp" -> new StompProtocol(room);
			case "socketio", "socket.io" -> new SocketIoProtocol(room);
			default -> throw new IllegalArgumentException(
					"unknown protocol '" + name + "': use pulse, raw, stomp or socketio");
		};
	}

	/**
	 * pulse's protocol on a given path (the raw peer speaks it too).
	 * @param path the upgrade path with its query
	 * @return the protocol
	 */
	static WireProtocol pulse(String path) {
		return new PulseProtocol("pulse", path);
	}

	/**
	 * What a protocol reports about one connection's inbound traffic.
	 */
	interface Inbound {

		/**
		 * The connection is ready: it will receive the room's broadcasts.
		 */
		void welcomed();

		/**
		 * A delivery arrived; the range holds the payload with its {@code "t":} timestamp (the whole frame, or any
		 * part of it that contains the timestamp).
		 * @param bytes the buffer
		 * @param offset where the delivered range starts
		 * @param length its length
		 */
		void delivered(byte[] bytes, int offset, int length);

		/**
		 * Sends a text message back on this connection (handshake steps, keepalive answers).
		 * @param text the message
		 */
		void reply(byte[] text);

		/**
		 * The server reported an error on this connection.
		 * @param kind what went wrong, for the error counts
		 */
		void error(String kind);

	}

}
